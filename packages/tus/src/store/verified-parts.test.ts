import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MetadataValue } from '@tus/s3-store'
import { Upload } from '@tus/utils'
import { describe, expect, it } from 'vitest'
import { PartChecksumError } from '../protocol/outage-answers.ts'
import { MemoryPartLedger } from '../testing/memory-ledger.ts'
import { MemoryS3 } from '../testing/memory-s3.ts'
import { KiB } from '../testing/memory-store.ts'
import {
  checksumField,
  checksumOf,
  type PartChecksumAlgorithm,
  storageWithChecksum,
} from './part-checksum.ts'
import {
  type BufferedPart,
  checkAcknowledged,
  checkAcknowledgedEtag,
  INCOMPLETE_OFFSET,
  INCOMPLETE_PART,
  VerifiedParts,
} from './verified-parts.ts'

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('base64')
const md5 = (data: Buffer) => createHash('md5').update(data).digest('base64')
const dir = mkdtempSync(join(tmpdir(), 'uplink-verified-parts-'))

/**
 * VerifiedParts of one 16 KiB upload on an in-memory S3 (parts of 4 KiB, minimum 1 KiB), created
 * with `algorithm` (CRC32 as this version creates them; SHA256 as uploads created before).
 */
async function setup({
  checksums = true,
  size = 16 * KiB,
  algorithm = 'CRC32' as PartChecksumAlgorithm,
} = {}) {
  const s3 = new MemoryS3({ minPartSize: KiB })
  const ledger = new MemoryPartLedger()
  const id = 'owner/video/1'
  const verified = new VerifiedParts({
    client: s3,
    bucket: s3.bucket,
    ledger,
    checksums,
    minPartSize: () => KiB,
    incompleteKey: (key) => `${key}.part`,
    incompleteTagging: () => undefined,
  })
  const { UploadId } = await s3.createMultipartUpload({
    Bucket: s3.bucket,
    Key: id,
    ...(checksums ? { ChecksumAlgorithm: algorithm } : {}),
  })
  const storage = { type: 's3', path: id }
  const metadata: MetadataValue = {
    file: new Upload({
      id,
      size,
      offset: 0,
      // An upload created before CRC32 names no part checksum in its `.info`.
      storage: algorithm === 'CRC32' ? storageWithChecksum(storage, 'CRC32') : storage,
    }),
    'upload-id': UploadId ?? '',
    'tus-version': '1.0.0',
  }
  const data = randomBytes(size)
  const sum = (bytes: Buffer) => checksumOf(algorithm, bytes)
  /** The `x-amz-checksum-*` field of `bytes` in the upload's algorithm. */
  const field = (bytes: Buffer) => checksumField(algorithm, sum(bytes))
  /** The part file of `data[offset, offset + size)`, hashed as PartFiles hashes it. */
  const part = (offset: number, length: number): BufferedPart => {
    const bytes = data.subarray(offset, offset + length)
    const path = join(dir, `part-${randomBytes(6).toString('hex')}`)
    writeFileSync(path, bytes)
    return {
      path,
      offset,
      size: length,
      checksum: sum(bytes),
      md5: checksums ? undefined : md5(bytes),
    }
  }
  const record = (p: Parameters<typeof ledger.record>[1]) => ledger.record(id, p)
  /** Sends parts 1…n of 4 KiB each, recorded. */
  const sendParts = async (n: number) => {
    for (let i = 0; i < n; i++) {
      await verified.send(metadata, part(i * 4 * KiB, 4 * KiB), i + 1, false, record)
    }
  }
  const listed = async () =>
    (await s3.listParts({ Bucket: s3.bucket, Key: id, UploadId: metadata['upload-id'] })).Parts ??
    []
  return { s3, ledger, id, verified, metadata, data, part, record, sendParts, listed, sum, field }
}

describe('VerifiedParts.send', () => {
  it('records a part once S3 acknowledged its CRC32, as S3 lists it', async () => {
    const { verified, metadata, part, record, ledger, id, listed } = await setup()
    const sent = part(0, 4 * KiB)
    await verified.send(metadata, sent, 1, false, record)
    const [s3Part] = await listed()
    expect(ledger.uploads.get(id)?.get(1)).toEqual({
      partNumber: 1,
      size: 4 * KiB,
      checksum: sent.checksum,
      etag: s3Part?.ETag,
    })
    expect(s3Part?.ChecksumCRC32).toBe(sent.checksum)
    expect(s3Part?.ChecksumSHA256).toBeUndefined()
  })

  it('sends and records SHA-256 for an upload created with it (before CRC32)', async () => {
    const { verified, metadata, part, record, ledger, id, listed, sendParts, s3, data } =
      await setup({ algorithm: 'SHA256' })
    const sent = part(0, 4 * KiB)
    await verified.send(metadata, sent, 1, false, record)
    const [s3Part] = await listed()
    expect(s3Part?.ChecksumSHA256).toBe(sha256(data.subarray(0, 4 * KiB)))
    expect(ledger.uploads.get(id)?.get(1)?.checksum).toBe(s3Part?.ChecksumSHA256)
    await sendParts(4)
    await verified.complete(metadata, await verified.consecutive(id, await listed()))
    expect(s3.object(id)).toEqual(data)
  })

  it('records nothing when S3 acknowledges other bytes than the ones sent (a padded short body)', async () => {
    const { s3, verified, metadata, part, record, ledger, id } = await setup()
    s3.pad('uploadPart', KiB)
    await expect(verified.send(metadata, part(0, 4 * KiB), 1, false, record)).rejects.toThrow(
      PartChecksumError,
    )
    expect(ledger.numbers(id)).toEqual([])
  })

  it('records nothing when S3 refuses the part', async () => {
    const { s3, verified, metadata, part, record, ledger, id } = await setup()
    s3.fail('uploadPart')
    await expect(verified.send(metadata, part(0, 4 * KiB), 1, false, record)).rejects.toThrow(
      'injected',
    )
    expect(ledger.numbers(id)).toEqual([])
  })

  it('sends a part under the minimum size (not the last) as the `.part` object, marked with its start', async () => {
    const { s3, verified, metadata, part, record, ledger, id, data } = await setup()
    await verified.send(metadata, part(4 * KiB, 512), 2, false, record)
    expect(s3.object(`${id}.part`)).toEqual(data.subarray(4 * KiB, 4 * KiB + 512))
    expect(s3.metadataOf(`${id}.part`)?.[INCOMPLETE_OFFSET]).toBe(String(4 * KiB))
    expect(ledger.numbers(id)).toEqual([INCOMPLETE_PART])
    expect(s3.partsOf(id)).toEqual([])
  })

  it('sends the last part as a part whatever its size', async () => {
    const { s3, verified, metadata, part, record, id } = await setup()
    await verified.send(metadata, part(0, 512), 1, true, record)
    expect(s3.partsOf(id)).toEqual([{ partNumber: 1, size: 512 }])
  })

  it('with checksums off, sends Content-MD5 and records its own MD5 as the ETag', async () => {
    const { s3, verified, metadata, part, record, ledger, id } = await setup({ checksums: false })
    const sent = part(0, 4 * KiB)
    await verified.send(metadata, sent, 1, false, record)
    const hex = Buffer.from(sent.md5 ?? '', 'base64').toString('hex')
    expect(s3.calls.find((c) => c.op === 'uploadPart')?.input.ContentMD5).toBe(sent.md5)
    expect(ledger.uploads.get(id)?.get(1)?.etag).toBe(hex)
  })

  it('with checksums off, records nothing when the ETag S3 answers is not the MD5 sent', async () => {
    const { s3, verified, metadata, part, record, ledger, id } = await setup({ checksums: false })
    s3.pad('uploadPart', KiB)
    await expect(verified.send(metadata, part(0, 4 * KiB), 1, false, record)).rejects.toThrow(
      /ETag .* but the MD5 of the bytes sent/,
    )
    expect(ledger.numbers(id)).toEqual([])
  })
})

describe('VerifiedParts.consecutive: a resume counts only parts S3 lists as they were written', () => {
  it('counts the consecutive parts S3 lists as the ledger recorded them', async () => {
    const { verified, id, sendParts, listed } = await setup()
    await sendParts(3)
    expect((await verified.consecutive(id, await listed())).map((p) => p.PartNumber)).toEqual([
      1, 2, 3,
    ])
  })

  it('stops at a part ListParts reports with another CRC32', async () => {
    const { s3, verified, id, sendParts, listed, sum } = await setup()
    await sendParts(3)
    s3.report(id, 2, { ChecksumCRC32: sum(Buffer.alloc(4 * KiB)) })
    expect((await verified.consecutive(id, await listed())).map((p) => p.PartNumber)).toEqual([1])
  })

  it('stops at a part ListParts reports with another SHA-256 (an upload created with it)', async () => {
    const { s3, verified, id, sendParts, listed } = await setup({ algorithm: 'SHA256' })
    await sendParts(3)
    expect((await verified.consecutive(id, await listed())).length).toBe(3)
    s3.report(id, 2, { ChecksumSHA256: sha256(Buffer.alloc(4 * KiB)) })
    expect((await verified.consecutive(id, await listed())).map((p) => p.PartNumber)).toEqual([1])
  })

  it('stops at a part ListParts reports with another size', async () => {
    const { s3, verified, id, sendParts, listed } = await setup()
    await sendParts(3)
    s3.report(id, 2, { Size: 4 * KiB + 1 })
    expect((await verified.consecutive(id, await listed())).map((p) => p.PartNumber)).toEqual([1])
  })

  it('stops at a gap in the ledger: a part S3 holds that the ledger never recorded', async () => {
    const { verified, ledger, id, sendParts, listed } = await setup()
    await sendParts(3)
    await ledger.forget(id, 2)
    expect((await verified.consecutive(id, await listed())).map((p) => p.PartNumber)).toEqual([1])
  })

  it('stops at a gap in S3: a recorded part after a part S3 never got does not count', async () => {
    const { s3, verified, metadata, part, record, id, listed } = await setup()
    await verified.send(metadata, part(0, 4 * KiB), 1, false, record)
    await verified.send(metadata, part(8 * KiB, 4 * KiB), 3, false, record)
    expect(s3.partsOf(id).map((p) => p.partNumber)).toEqual([1, 3])
    expect((await verified.consecutive(id, await listed())).map((p) => p.PartNumber)).toEqual([1])
  })

  it('with checksums off, stops at a part listed with another ETag', async () => {
    const { s3, verified, id, sendParts, listed } = await setup({ checksums: false })
    await sendParts(3)
    expect((await verified.consecutive(id, await listed())).length).toBe(3)
    s3.report(id, 3, { ETag: `"${'0'.repeat(32)}"` })
    expect((await verified.consecutive(id, await listed())).map((p) => p.PartNumber)).toEqual([
      1, 2,
    ])
  })

  it('forgets ledger parts after the verified ones, and keeps the `.part` record', async () => {
    const { s3, verified, metadata, part, record, ledger, id, sendParts, listed } = await setup()
    await sendParts(3)
    await verified.send(metadata, part(12 * KiB, 512), 4, false, record)
    s3.report(id, 2, { Size: 1 })
    await verified.forgetUnverified(id, await verified.consecutive(id, await listed()))
    expect(ledger.numbers(id)).toEqual([INCOMPLETE_PART, 1])
  })
})

describe('VerifiedParts.incompleteSize: the `.part` object counts only as written, where it starts', () => {
  it('counts the `.part` object that starts where the verified parts end', async () => {
    const { verified, metadata, part, record, id } = await setup()
    await verified.send(metadata, part(4 * KiB, 512), 2, false, record)
    expect(await verified.incompleteSize(id, 4 * KiB)).toBe(512)
  })

  it('does not count a `.part` object from another offset', async () => {
    const { verified, metadata, part, record, id } = await setup()
    // A PATCH from 4 KiB crashed after its tail [8 KiB, 8.5 KiB) was stored; part 2 never was.
    await verified.send(metadata, part(8 * KiB, 512), 3, false, record)
    expect(await verified.incompleteSize(id, 4 * KiB)).toBeUndefined()
  })

  it('does not count a `.part` object whose bytes changed', async () => {
    const { s3, verified, metadata, part, record, id, field } = await setup()
    await verified.send(metadata, part(4 * KiB, 512), 2, false, record)
    const other = randomBytes(512)
    await s3.putObject({
      Bucket: s3.bucket,
      Key: `${id}.part`,
      Body: other,
      ...field(other),
      Metadata: { [INCOMPLETE_OFFSET]: String(4 * KiB) },
    })
    expect(await verified.incompleteSize(id, 4 * KiB)).toBeUndefined()
  })

  it('does not count a `.part` object that does not say where it starts', async () => {
    const { s3, verified, metadata, part, record, id, data, field } = await setup()
    await verified.send(metadata, part(4 * KiB, 512), 2, false, record)
    const bytes = data.subarray(4 * KiB, 4 * KiB + 512)
    await s3.putObject({
      Bucket: s3.bucket,
      Key: `${id}.part`,
      Body: bytes,
      ...field(bytes),
    })
    expect(await verified.incompleteSize(id, 4 * KiB)).toBeUndefined()
  })

  it('answers null when there is no `.part` object', async () => {
    const { verified, id } = await setup()
    expect(await verified.incompleteSize(id, 0)).toBeNull()
  })
})

describe('VerifiedParts.complete', () => {
  it('refuses to complete when the verified parts do not add up to the upload length', async () => {
    const { s3, verified, metadata, sendParts, listed, id } = await setup()
    await sendParts(3)
    const parts = await verified.consecutive(id, await listed())
    await expect(verified.complete(metadata, parts)).rejects.toThrow('hold 12288 of 16384 bytes')
    expect(s3.calls.some((c) => c.op === 'completeMultipartUpload')).toBe(false)
  })

  it("completes with each part's checksum and forgets the ledger", async () => {
    const { s3, verified, ledger, metadata, sendParts, listed, id, data } = await setup()
    await sendParts(4)
    await verified.complete(metadata, await verified.consecutive(id, await listed()))
    expect(s3.object(id)).toEqual(data)
    expect(ledger.numbers(id)).toEqual([])
  })

  it('completes an empty upload with one empty part', async () => {
    const { s3, verified, metadata, id } = await setup({ size: 0 })
    await verified.complete(metadata, [])
    expect(s3.object(id)).toEqual(Buffer.alloc(0))
  })
})

describe('what S3 acknowledged for a part sent', () => {
  it('an acknowledgement with another checksum than the one sent is an error; none at all is not', () => {
    expect(() => checkAcknowledged('b', 'a', 'part 1')).toThrow(PartChecksumError)
    expect(() => checkAcknowledged('a', 'a', 'part 1')).not.toThrow()
    expect(() => checkAcknowledged(undefined, 'a', 'part 1')).not.toThrow()
  })

  it('with checksums off, the ETag must be the MD5 sent (quotes and a weak prefix aside)', () => {
    const md5 = 'd41d8cd98f00b204e9800998ecf8427e'
    expect(() => checkAcknowledgedEtag(`"${md5}"`, md5, 'part 1')).not.toThrow()
    expect(() => checkAcknowledgedEtag(`W/"${md5}"`, md5, 'part 1')).not.toThrow()
    expect(() => checkAcknowledgedEtag('"abc-2"', md5, 'part 1')).toThrow(/S3_CHECKSUMS=false/)
    expect(() => checkAcknowledgedEtag(undefined, md5, 'part 1')).toThrow(/\(none\)/)
  })
})
