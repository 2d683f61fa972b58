import { createHash, randomBytes } from 'node:crypto'
import { PassThrough } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { LocalLocks } from '../locking/local-locks.ts'
import { isTusError } from '../protocol/errors.ts'
import { PartChecksumError } from '../protocol/outage-answers.ts'
import { KiB, type MemoryStore, memoryStore } from '../testing/memory-store.ts'
import { checksumOf } from './part-checksum.ts'
import { INCOMPLETE_OFFSET, INCOMPLETE_PART } from './verified-parts.ts'

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('base64')
const crc32 = (data: Buffer) => checksumOf('CRC32', data)

// The store on an in-memory S3: parts of 4 KiB, minimum part size 1 KiB.
let open: MemoryStore[] = []
function store(options?: Parameters<typeof memoryStore>[0]) {
  const s = memoryStore(options)
  open.push(s)
  return s
}
afterEach(async () => {
  await Promise.all(open.map((s) => s.close()))
  open = []
})

/** The tus status a write failed with (460, 409…), or the error. */
const status = (write: Promise<number>) =>
  write.then(
    () => 'no error',
    (err: unknown) => (isTusError(err) ? err.status_code : err),
  )

describe('PatchWriter', () => {
  it('streams a PATCH into parts and completes the upload with exactly the bytes sent', async () => {
    const { create, patch, s3, ledger } = store()
    const data = randomBytes(14 * KiB)
    const id = await create(data.length)
    expect(await patch(id, 0, data)).toBe(data.length)
    expect(s3.object(id)).toEqual(data)
    expect(s3.uploadOf(id)).toBeUndefined()
    expect(ledger.numbers(id)).toEqual([])
  })

  it('keeps a tail under the minimum part size as the `.part` object and prepends it to the next PATCH', async () => {
    const { create, patch, offset, s3, ledger } = store()
    const data = randomBytes(12 * KiB)
    const id = await create(data.length)
    expect(await patch(id, 0, data.subarray(0, 4 * KiB + 512))).toBe(4 * KiB + 512)
    expect(s3.object(`${id}.part`)).toEqual(data.subarray(4 * KiB, 4 * KiB + 512))
    expect(ledger.numbers(id)).toEqual([INCOMPLETE_PART, 1])
    expect(await offset(id)).toBe(4 * KiB + 512)
    expect(await patch(id, 4 * KiB + 512, data.subarray(4 * KiB + 512))).toBe(data.length)
    expect(s3.object(id)).toEqual(data)
    expect(s3.object(`${id}.part`)).toBeUndefined()
  })

  it('refuses a PATCH at an offset other than where the stored bytes end (409) and stores nothing', async () => {
    const { create, patch, s3 } = store()
    const data = randomBytes(12 * KiB)
    const id = await create(data.length)
    await patch(id, 0, data.subarray(0, 4 * KiB))
    expect(await status(patch(id, 8 * KiB, data.subarray(8 * KiB)))).toBe(409)
    expect(s3.partsOf(id)).toEqual([{ partNumber: 1, size: 4 * KiB }])
  })

  it('reads every page of ListParts', async () => {
    const { create, patch, offset } = store({ maxPartsPerPage: 2 })
    const data = randomBytes(24 * KiB)
    const id = await create(data.length)
    expect(await patch(id, 0, data.subarray(0, 20 * KiB))).toBe(20 * KiB)
    expect(await offset(id)).toBe(20 * KiB)
  })
})

describe('a resume counts only the parts S3 holds as they were written', () => {
  it('resumes at a part ListParts reports with another CRC32, and rewrites it', async () => {
    const { create, patch, offset, s3 } = store()
    const data = randomBytes(12 * KiB)
    const id = await create(data.length)
    await patch(id, 0, data.subarray(0, 8 * KiB))
    s3.report(id, 2, { ChecksumCRC32: crc32(Buffer.alloc(4 * KiB)) })
    expect(await offset(id)).toBe(4 * KiB)
    expect(await status(patch(id, 8 * KiB, data.subarray(8 * KiB)))).toBe(409)
    s3.report(id, 2, {})
    expect(await patch(id, 4 * KiB, data.subarray(4 * KiB))).toBe(data.length)
    expect(s3.object(id)).toEqual(data)
  })

  it('resumes at a part ListParts reports with another size', async () => {
    const { create, patch, offset, s3 } = store()
    const data = randomBytes(12 * KiB)
    const id = await create(data.length)
    await patch(id, 0, data.subarray(0, 8 * KiB))
    s3.report(id, 1, { Size: 4 * KiB - 1 })
    expect(await offset(id)).toBe(0)
  })

  it('does not count a part a padding store kept from a cut-short body, even when it echoed the checksum sent', async () => {
    const { create, patch, offset, s3 } = store()
    const data = randomBytes(12 * KiB)
    const id = await create(data.length)
    s3.pad('uploadPart', KiB, { acknowledge: 'sent', when: (input) => input.PartNumber === 2 })
    expect(await patch(id, 0, data.subarray(0, 8 * KiB))).toBe(8 * KiB)
    // The store said yes; ListParts lists the padded bytes' checksum, so part 2 does not count.
    expect(await offset(id)).toBe(4 * KiB)
    expect(await patch(id, 4 * KiB, data.subarray(4 * KiB))).toBe(data.length)
    expect(s3.object(id)).toEqual(data)
  })

  it('fails the PATCH when the store acknowledges a padded part with its real checksum', async () => {
    const { create, patch, offset, s3 } = store()
    const data = randomBytes(12 * KiB)
    const id = await create(data.length)
    s3.pad('uploadPart', KiB, { when: (input) => input.PartNumber === 2 })
    await expect(patch(id, 0, data.subarray(0, 8 * KiB))).rejects.toThrow(PartChecksumError)
    expect(await offset(id)).toBe(4 * KiB)
  })

  it('forgets the ledger parts after a gap, so a part written for a longer part before it never counts', async () => {
    const { create, patch, offset, s3, ledger } = store()
    const data = randomBytes(16 * KiB)
    const id = await create(data.length)
    await patch(id, 0, data.subarray(0, 12 * KiB))
    // A crash lost part 2's record; part 3 holds [8, 12) KiB, written after a 4 KiB part 2.
    await ledger.forget(id, 2)
    expect(await offset(id)).toBe(4 * KiB)
    // The resume ends at 6 KiB: part 2 is now [4, 6) KiB, so the old part 3 would be 2 KiB off.
    expect(await patch(id, 4 * KiB, data.subarray(4 * KiB, 6 * KiB))).toBe(6 * KiB)
    expect(await offset(id)).toBe(6 * KiB)
    expect(ledger.numbers(id)).toEqual([1, 2])
    expect(await patch(id, 6 * KiB, data.subarray(6 * KiB))).toBe(data.length)
    expect(s3.object(id)).toEqual(data)
  })

  it('neither counts nor prepends a `.part` object from another offset, and deletes it', async () => {
    const { create, patch, offset, s3, ledger } = store()
    const data = randomBytes(16 * KiB)
    const id = await create(data.length)
    await patch(id, 0, data.subarray(0, 4 * KiB))
    // A PATCH from 4 KiB crashed with part 2 [4, 8) KiB lost, after its tail [8, 8.5) KiB was
    // stored and recorded: counting it would resume at 4.5 KiB with bytes from 8 KiB.
    const tail = data.subarray(8 * KiB, 8 * KiB + 512)
    const res = await s3.putObject({
      Bucket: s3.bucket,
      Key: `${id}.part`,
      Body: tail,
      ChecksumCRC32: crc32(tail),
      Metadata: { [INCOMPLETE_OFFSET]: String(8 * KiB) },
    })
    await ledger.record(id, {
      partNumber: 0,
      size: 512,
      checksum: crc32(tail),
      etag: res.ETag ?? '',
    })
    expect(await offset(id)).toBe(4 * KiB)
    expect(await patch(id, 4 * KiB, data.subarray(4 * KiB))).toBe(data.length)
    expect(s3.object(id)).toEqual(data)
    expect(s3.object(`${id}.part`)).toBeUndefined()
  })

  it('drops a `.part` object whose bytes changed and resumes where the parts end', async () => {
    const { create, patch, offset, s3 } = store()
    const data = randomBytes(12 * KiB)
    const id = await create(data.length)
    await patch(id, 0, data.subarray(0, 4 * KiB + 512))
    const other = randomBytes(512)
    await s3.putObject({
      Bucket: s3.bucket,
      Key: `${id}.part`,
      Body: other,
      Metadata: { [INCOMPLETE_OFFSET]: String(4 * KiB) },
    })
    expect(await offset(id)).toBe(4 * KiB)
    expect(await patch(id, 4 * KiB, data.subarray(4 * KiB))).toBe(data.length)
    expect(s3.object(id)).toEqual(data)
  })

  it('counts only the parts S3 stored when an S3 call fails mid-PATCH', async () => {
    const { create, patch, offset, s3 } = store({ partsPerUpload: 1 })
    const data = randomBytes(16 * KiB)
    const id = await create(data.length)
    s3.fail('uploadPart', { when: (input) => input.PartNumber === 2 })
    await expect(patch(id, 0, data)).rejects.toThrow('injected')
    expect(await offset(id)).toBe(4 * KiB)
    expect(await patch(id, 4 * KiB, data.subarray(4 * KiB))).toBe(data.length)
    expect(s3.object(id)).toEqual(data)
  })

  it('stores what arrived of a body that ends early, so the resume starts after it', async () => {
    const { create, patch, offset, s3 } = store()
    const data = randomBytes(16 * KiB)
    const id = await create(data.length)
    const body = new PassThrough()
    const write = patch(id, 0, body)
    body.write(data.subarray(0, 6 * KiB + 100))
    await s3.called('uploadPart')
    body.destroy(new Error('client gone'))
    await expect(write).rejects.toThrow('client gone')
    expect(await offset(id)).toBe(6 * KiB + 100)
  })

  it('answers an empty PATCH at the end of a completed upload with its length', async () => {
    const { create, patch, offset } = store()
    const data = randomBytes(6 * KiB)
    const id = await create(data.length)
    await patch(id, 0, data)
    expect(await patch(id, data.length, Buffer.alloc(0))).toBe(data.length)
    expect(await offset(id)).toBe(data.length)
  })
})

describe('a PATCH with Upload-Checksum counts only once its digest matched', () => {
  it('answers 460 to a PATCH whose digest fails and counts none of its bytes', async () => {
    const { create, patch, offset, s3, ledger } = store()
    const data = randomBytes(16 * KiB)
    const id = await create(data.length)
    await patch(id, 0, data.subarray(0, 4 * KiB))
    const wrong = sha256(Buffer.from('something else'))
    const body = data.subarray(4 * KiB, 10 * KiB + 512)
    expect(await status(patch(id, 4 * KiB, body, { algorithm: 'sha256', expected: wrong }))).toBe(
      460,
    )
    // Parts 2 and 3 went to S3 as the body streamed, but the ledger never saw them.
    expect(s3.partsOf(id).map((p) => p.partNumber)).toEqual([1, 2, 3])
    expect(ledger.numbers(id)).toEqual([1])
    expect(s3.object(`${id}.part`)).toBeUndefined()
    expect(await offset(id)).toBe(4 * KiB)
    expect(await patch(id, 4 * KiB, data.subarray(4 * KiB), { algorithm: 'sha256' })).toBe(
      data.length,
    )
    expect(s3.object(id)).toEqual(data)
  })

  it('puts back the `.part` object a failed PATCH consumed and overwrote, with its old bytes', async () => {
    const { create, patch, offset, s3 } = store()
    const data = randomBytes(16 * KiB)
    const id = await create(data.length)
    await patch(id, 0, data.subarray(0, 4 * KiB + 512))
    // With the 512 B leftover in front: part 2 [4, 8) KiB and a new `.part` [8, 9) KiB.
    const body = data.subarray(4 * KiB + 512, 9 * KiB)
    expect(
      await status(patch(id, 4 * KiB + 512, body, { algorithm: 'md5', expected: 'AAAA' })),
    ).toBe(460)
    expect(s3.object(`${id}.part`)).toEqual(data.subarray(4 * KiB, 4 * KiB + 512))
    expect(s3.metadataOf(`${id}.part`)?.[INCOMPLETE_OFFSET]).toBe(String(4 * KiB))
    expect(await offset(id)).toBe(4 * KiB + 512)
    expect(await patch(id, 4 * KiB + 512, data.subarray(4 * KiB + 512))).toBe(data.length)
    expect(s3.object(id)).toEqual(data)
  })

  it('counts every part of a PATCH whose digest matched', async () => {
    const { create, patch, offset, ledger } = store()
    const data = randomBytes(16 * KiB)
    const id = await create(data.length)
    const body = data.subarray(0, 8 * KiB + 512)
    expect(await patch(id, 0, body, { algorithm: 'crc32' })).toBe(8 * KiB + 512)
    expect(ledger.numbers(id)).toEqual([INCOMPLETE_PART, 1, 2])
    expect(await offset(id)).toBe(8 * KiB + 512)
  })

  it('counts none of the bytes of a checksummed PATCH cut short', async () => {
    const { create, patch, offset, s3 } = store()
    const data = randomBytes(16 * KiB)
    const id = await create(data.length)
    const body = new PassThrough()
    const write = patch(id, 0, body, { algorithm: 'sha256', expected: sha256(data) })
    body.write(data.subarray(0, 6 * KiB))
    await s3.called('uploadPart')
    body.destroy(new Error('client gone'))
    await expect(write).rejects.toThrow('client gone')
    expect(await offset(id)).toBe(0)
  })
})

describe('a request that took over the lock mid-PATCH', () => {
  it('reads the offset only once that PATCH has stored what it received', async () => {
    const { create, patch, store: s3Store, s3 } = store()
    const data = randomBytes(16 * KiB)
    const id = await create(data.length)
    const locks = new LocalLocks()
    const lockOptions = {
      signal: new AbortController().signal,
      deadline: Date.now() + 10_000,
      timeoutMs: 10_000,
    }

    // PATCH A holds the lock. Asked to let go, its client connection is cut (@tus/server
    // cancels it) and @tus/server answers and unlocks at once, while the store still writes.
    const body = new PassThrough()
    const releaseA = await locks.acquire(id, {
      ...lockOptions,
      requestRelease: () => {
        body.destroy(new Error('connection reset'))
        releaseA()
      },
    })
    const sending = s3.hold('uploadPart')
    const write = patch(id, 0, body)
    body.write(data.subarray(0, 6 * KiB))
    await sending.reached(1)

    // Request B (the client's resume) takes the lock over and reads the offset.
    const releaseB = await locks.acquire(id, { ...lockOptions, requestRelease: () => {} })
    let read = false
    const head = s3Store.getUpload(id).finally(() => {
      read = true
    })
    // Give B every chance to answer early: A's parts are still on their way to S3.
    for (let turn = 0; turn < 20; turn++) await new Promise((r) => setImmediate(r))
    expect(read).toBe(false)

    sending.open()
    expect((await head).offset).toBe(6 * KiB)
    await expect(write).rejects.toThrow('connection reset')
    releaseB()
  })
})
