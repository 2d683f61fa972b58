import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { isTusError } from '../protocol/errors.ts'
import { withRequestState } from '../protocol/request-state.ts'
import { KiB, type MemoryStore, memoryStore } from '../testing/memory-store.ts'

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64')

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

describe('UplinkS3Store', () => {
  it('creates the multipart upload with the CRC32 algorithm, named in its `.info`, and the declared Content-Type', async () => {
    const { create, s3 } = store()
    const id = await create(8 * KiB)
    expect(s3.uploadOf(id)).toMatchObject({ algorithm: 'CRC32', contentType: 'video/mp4' })
    expect(s3.metadataOf(`${id}.info`)?.['upload-id']).toBe(s3.uploadOf(id)?.uploadId)
    const info = JSON.parse(s3.object(`${id}.info`)?.toString() ?? '{}')
    expect(info.storage.partChecksum).toBe('CRC32')
  })

  it('resumes an upload created with SHA-256 before CRC32 with SHA-256 parts (S3 refuses others)', async () => {
    const { patch, offset, s3 } = store()
    const id = 'owner/video/created-before-crc32'
    const data = randomBytes(12 * KiB)
    // As the previous version created it: SHA256 multipart upload, no part checksum in `.info`.
    const { UploadId } = await s3.createMultipartUpload({
      Bucket: s3.bucket,
      Key: id,
      ChecksumAlgorithm: 'SHA256',
    })
    await s3.putObject({
      Bucket: s3.bucket,
      Key: `${id}.info`,
      Body: Buffer.from(
        JSON.stringify({ id, size: data.length, offset: 0, storage: { type: 's3', path: id } }),
      ),
      Metadata: { 'upload-id': UploadId ?? '', 'tus-version': '1.0.0' },
    })
    expect(await patch(id, 0, data.subarray(0, 8 * KiB))).toBe(8 * KiB)
    expect(await offset(id)).toBe(8 * KiB)
    const listed = await s3.listParts({ Bucket: s3.bucket, Key: id, UploadId })
    expect(listed.Parts?.map((p) => [p.ChecksumSHA256, p.ChecksumCRC32])).toEqual([
      [sha256(data.subarray(0, 4 * KiB)), undefined],
      [sha256(data.subarray(4 * KiB, 8 * KiB)), undefined],
    ])
    expect(await patch(id, 8 * KiB, data.subarray(8 * KiB))).toBe(data.length)
    expect(s3.object(id)).toEqual(data)
  })

  it('with checksums off, creates the upload without an algorithm and counts parts by their MD5 ETag', async () => {
    const { create, patch, offset, s3, ledger } = store({ checksums: false })
    expect(s3.uploadOf(await create(1))?.algorithm).toBeUndefined()
    const data = randomBytes(12 * KiB)
    const id = await create(data.length)
    // A store that pads a cut part and answers the MD5 sent: ListParts shows the real ETag.
    s3.pad('uploadPart', KiB, { acknowledge: 'sent', when: (input) => input.PartNumber === 2 })
    expect(await patch(id, 0, data.subarray(0, 8 * KiB))).toBe(8 * KiB)
    expect(ledger.numbers(id)).toEqual([1, 2])
    expect(await offset(id)).toBe(4 * KiB)
    expect(await patch(id, 4 * KiB, data.subarray(4 * KiB))).toBe(data.length)
    expect(s3.object(id)).toEqual(data)
  })

  it('makes these S3 calls for a HEAD and a PATCH that carries the whole upload: no `.part` object, the info read once', async () => {
    const { create, patch, offset, s3 } = store()
    const data = randomBytes(12 * KiB)
    const id = await create(data.length)
    s3.calls.length = 0
    await offset(id)
    await patch(id, 0, data)
    const calls = s3.calls.map((c) => `${c.op} ${String(c.input.Key).replace(id, '<id>')}`)
    expect(calls).toEqual([
      // HEAD (the info object this process wrote is not read back; both reads at once)
      'headObject <id>.part',
      'listParts <id>',
      // PATCH alone: where the verified parts end, a `.part` leftover to prepend (none), the parts
      'listParts <id>',
      'getObject <id>.part',
      'uploadPart <id>',
      'uploadPart <id>',
      'uploadPart <id>',
      // the last byte: complete with the parts verified and just sent (the info is written once)
      'completeMultipartUpload <id>',
    ])
  })

  it('a PATCH request reads the upload once: its write uses what its offset check read (as tusd)', async () => {
    const { create, request, s3 } = store()
    const data = randomBytes(12 * KiB)
    const id = await create(data.length)
    s3.calls.length = 0
    expect(await request(id, 0, data)).toBe(data.length)
    const calls = s3.calls.map((c) => `${c.op} ${String(c.input.Key).replace(id, '<id>')}`)
    expect(calls).toEqual([
      'headObject <id>.part',
      'listParts <id>',
      'uploadPart <id>',
      'uploadPart <id>',
      'uploadPart <id>',
      'completeMultipartUpload <id>',
    ])
  })

  it('answers a completed upload with offset = length while its info object is kept', async () => {
    const { create, patch, offset, s3 } = store()
    const data = randomBytes(5 * KiB)
    const id = await create(data.length)
    await patch(id, 0, data)
    expect(s3.uploadOf(id)).toBeUndefined()
    expect(await offset(id)).toBe(data.length)
  })

  it('termination aborts the multipart upload and deletes the info and `.part` objects and the ledger', async () => {
    const { create, patch, store: s, s3, ledger } = store()
    const id = await create(12 * KiB)
    await patch(id, 0, randomBytes(4 * KiB + 100))
    await s.remove(id)
    expect(s3.uploadOf(id)).toBeUndefined()
    expect([s3.object(`${id}.info`), s3.object(`${id}.part`)]).toEqual([undefined, undefined])
    expect(ledger.numbers(id)).toEqual([])
  })

  it('purge removes what S3 still holds of an unfinished upload, also once its info object is gone', async () => {
    const { create, patch, store: s, s3, ledger } = store()
    const id = await create(12 * KiB)
    await patch(id, 0, randomBytes(4 * KiB + 100))
    await s3.deleteObject({ Bucket: s3.bucket, Key: `${id}.info` })
    await s.purge(id)
    expect(s3.object(`${id}.part`)).toBeUndefined()
    expect(ledger.numbers(id)).toEqual([])
  })

  it("takes the PATCH's Upload-Checksum from the request when @tus/server calls write(stream, id, offset)", async () => {
    const { create, store: s, offset } = store()
    const data = randomBytes(6 * KiB)
    const id = await create(data.length)
    // As UplinkTusServer runs a PATCH: the parsed header in the request's state, not an argument.
    const write = (expected: string) =>
      withRequestState({ checksum: { algorithm: 'sha256', expected } }, () =>
        s.write(Readable.from([data]), id, 0),
      )
    const refused = await write(sha256(Buffer.from('other bytes'))).catch((err: unknown) => err)
    expect(isTusError(refused) && refused.status_code).toBe(460)
    expect(await offset(id)).toBe(0)
    expect(await write(sha256(data))).toBe(data.length)
  })
})
