import { createHash, randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { isMissingUpload, isNotFound } from '../store/s3-answers.ts'
import { MemoryS3 } from './memory-s3.ts'

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('base64')
const md5Hex = (data: Buffer) => createHash('md5').update(data).digest('hex')
const errorName = (p: Promise<unknown>) =>
  p.then(
    () => 'no error',
    (e: { name: string }) => e.name,
  )

/** A multipart upload declaring SHA-256, on a bucket with a 1 KiB minimum part size. */
async function upload(options: ConstructorParameters<typeof MemoryS3>[0] = {}) {
  const s3 = new MemoryS3({ minPartSize: 1024, ...options })
  const Bucket = s3.bucket
  const Key = 'k'
  const { UploadId } = await s3.createMultipartUpload({ Bucket, Key, ChecksumAlgorithm: 'SHA256' })
  const put = (PartNumber: number, bytes: Buffer) =>
    s3.uploadPart({ Bucket, Key, UploadId, PartNumber, Body: bytes, ChecksumSHA256: sha256(bytes) })
  return { s3, Bucket, Key, UploadId, put }
}

describe('MemoryS3 behaves like S3 where the store depends on it', () => {
  it('answers and lists a part with the MD5 of its bytes as ETag and their SHA-256', async () => {
    const { s3, Bucket, Key, UploadId, put } = await upload()
    const bytes = randomBytes(2048)
    const res = await put(1, bytes)
    expect(res).toMatchObject({ ETag: `"${md5Hex(bytes)}"`, ChecksumSHA256: sha256(bytes) })
    const listed = await s3.listParts({ Bucket, Key, UploadId })
    expect(listed.Parts).toEqual([
      { PartNumber: 1, Size: 2048, ETag: `"${md5Hex(bytes)}"`, ChecksumSHA256: sha256(bytes) },
    ])
  })

  it('refuses a body whose SHA-256 or Content-MD5 is not the one sent (BadDigest)', async () => {
    const { s3, Bucket, Key, UploadId } = await upload()
    const bytes = randomBytes(100)
    const other = sha256(randomBytes(100))
    const Body = bytes
    expect(
      await errorName(
        s3.uploadPart({ Bucket, Key, UploadId, PartNumber: 1, Body, ChecksumSHA256: other }),
      ),
    ).toBe('BadDigest')
    const ContentMD5 = createHash('md5').update('x').digest('base64')
    expect(await errorName(s3.putObject({ Bucket, Key: 'o', Body, ContentMD5 }))).toBe('BadDigest')
    expect(await errorName(s3.putObject({ Bucket, Key: 'o', Body, ContentLength: 101 }))).toBe(
      'IncompleteBody',
    )
  })

  it('refuses a part without its checksum once the upload declared SHA-256', async () => {
    const { s3, Bucket, Key, UploadId } = await upload()
    expect(
      await errorName(
        s3.uploadPart({ Bucket, Key, UploadId, PartNumber: 1, Body: randomBytes(10) }),
      ),
    ).toBe('InvalidRequest')
  })

  it('pages ListParts', async () => {
    const { s3, Bucket, Key, UploadId, put } = await upload({ maxPartsPerPage: 2 })
    for (const n of [1, 2, 3]) await put(n, randomBytes(10))
    const first = await s3.listParts({ Bucket, Key, UploadId })
    expect(first).toMatchObject({ IsTruncated: true, NextPartNumberMarker: '2' })
    const rest = await s3.listParts({ Bucket, Key, UploadId, PartNumberMarker: '2' })
    expect(rest.IsTruncated).toBe(false)
    expect(rest.Parts?.map((p) => p.PartNumber)).toEqual([3])
  })

  it('completes with the parts in order, each with its checksum, then knows no such upload', async () => {
    const { s3, Bucket, Key, UploadId, put } = await upload()
    const a = randomBytes(1024)
    const b = randomBytes(10)
    const parts: { PartNumber: number; ETag?: string | undefined; ChecksumSHA256?: string }[] = [
      { PartNumber: 1, ETag: (await put(1, a)).ETag, ChecksumSHA256: sha256(a) },
      { PartNumber: 2, ETag: (await put(2, b)).ETag, ChecksumSHA256: sha256(b) },
    ]
    const complete = (Parts: typeof parts) =>
      s3.completeMultipartUpload({ Bucket, Key, UploadId, MultipartUpload: { Parts } })
    expect(await errorName(complete([...parts].reverse()))).toBe('InvalidPartOrder')
    expect(await errorName(complete(parts.map(({ ChecksumSHA256: _, ...p }) => p)))).toBe(
      'InvalidPart',
    )
    const res = await complete(parts)
    expect(res.ETag).toBe(
      `"${md5Hex(Buffer.concat([Buffer.from(md5Hex(a), 'hex'), Buffer.from(md5Hex(b), 'hex')]))}-2"`,
    )
    expect(s3.object(Key)).toEqual(Buffer.concat([a, b]))
    const gone = await s3.listParts({ Bucket, Key, UploadId }).catch((e: unknown) => e)
    expect(isMissingUpload(gone)).toBe(true)
  })

  it('refuses to complete with a part under the minimum size that is not the last', async () => {
    const { s3, Bucket, Key, UploadId, put } = await upload()
    const a = randomBytes(10)
    const b = randomBytes(10)
    const Parts = [
      { PartNumber: 1, ETag: (await put(1, a)).ETag, ChecksumSHA256: sha256(a) },
      { PartNumber: 2, ETag: (await put(2, b)).ETag, ChecksumSHA256: sha256(b) },
    ]
    expect(
      await errorName(
        s3.completeMultipartUpload({ Bucket, Key, UploadId, MultipartUpload: { Parts } }),
      ),
    ).toBe('EntityTooSmall')
  })

  it('answers a missing object as the SDK does: NotFound to HEAD, NoSuchKey to GET', async () => {
    const s3 = new MemoryS3()
    const head = await s3.headObject({ Bucket: s3.bucket, Key: 'none' }).catch((e: unknown) => e)
    const get = await s3.getObject({ Bucket: s3.bucket, Key: 'none' }).catch((e: unknown) => e)
    expect([isNotFound(head), isNotFound(get)]).toEqual([true, true])
    expect((head as { name: string }).name).toBe('NotFound')
  })
})
