/**
 * The store behaviours of src/store-behaviours.ts against the S3 this run uses (versitygw, and
 * MinIO in the `minio` project): each predicate recognises what this store answers.
 */
import { createHash, randomUUID } from 'node:crypto'
import { crc32 as zlibCrc32 } from 'node:zlib'
import {
  AbortMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { storageSettings, testServices } from '@uplink/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { createStorage, isChecksumRefusal, isPartAsWritten, objectKey } from '../src/index.ts'

const storage = createStorage(storageSettings(testServices().s3))
afterAll(() => storage.destroy())

const key = () => objectKey({ ownerId: 'alice', purpose: 'video', documentId: randomUUID() })
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64')
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex')
const crc32 = (b: Buffer) => {
  const out = Buffer.alloc(4)
  out.writeUInt32BE(zlibCrc32(b) >>> 0)
  return out.toString('base64')
}
const part = Buffer.alloc(5 * 1024 * 1024, 3)
const { client, bucket } = storage

describe('store behaviours on this S3', () => {
  it('checksumRefusal: a body that does not match its SHA-256 is refused with a code isChecksumRefusal knows', async () => {
    const err = await client
      .send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key(),
          Body: Buffer.from('these bytes'),
          ChecksumSHA256: sha256(Buffer.from('other bytes')),
        }),
      )
      .catch((e: unknown) => e)
    expect(err, 'S3 stored a body whose checksum did not match').toBeInstanceOf(Error)
    expect(isChecksumRefusal(err), (err as Error).name).toBe(true)
  })

  it('listPartsChecksums / paddedShortBody: isPartAsWritten passes the listed part written and refuses other bytes of its size', async () => {
    const k = key()
    const uploadId = await storage.multipart.create({ key: k, contentType: 'video/mp4' })
    const ack = await client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: k,
        UploadId: uploadId,
        PartNumber: 1,
        Body: part,
        ChecksumSHA256: sha256(part),
      }),
    )
    const listed = (
      await client.send(new ListPartsCommand({ Bucket: bucket, Key: k, UploadId: uploadId }))
    ).Parts?.[0]
    expect(listed).toBeDefined()
    const written = { size: part.length, checksum: sha256(part), etag: ack.ETag ?? '' }
    expect(isPartAsWritten(listed ?? {}, written)).toBe(true)
    // Zeros of the same size, as a padding store keeps them: the checksum (or ETag) tells.
    const zeros = Buffer.alloc(part.length)
    expect(
      isPartAsWritten(listed ?? {}, { ...written, checksum: sha256(zeros), etag: md5(zeros) }),
    ).toBe(false)
    await storage.multipart.abort({ key: k, uploadId })
  })

  it('listPartsChecksums: a CRC32 upload (the tus store) lists each part with its CRC32', async () => {
    const k = key()
    const { UploadId } = await client.send(
      new CreateMultipartUploadCommand({ Bucket: bucket, Key: k, ChecksumAlgorithm: 'CRC32' }),
    )
    const ack = await client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: k,
        UploadId,
        PartNumber: 1,
        Body: part,
        ChecksumCRC32: crc32(part),
      }),
    )
    expect(ack.ChecksumCRC32).toBe(crc32(part))
    const listed = (await client.send(new ListPartsCommand({ Bucket: bucket, Key: k, UploadId })))
      .Parts?.[0]
    const written = { size: part.length, checksum: crc32(part), etag: ack.ETag ?? '' }
    expect(listed?.ChecksumCRC32).toBe(crc32(part))
    expect(isPartAsWritten(listed ?? {}, written)).toBe(true)
    const zeros = Buffer.alloc(part.length)
    expect(
      isPartAsWritten(listed ?? {}, { ...written, checksum: crc32(zeros), etag: md5(zeros) }),
    ).toBe(false)
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: k, UploadId }))
  })

  it('goneUpload: aborting an upload that was already completed is not an error', async () => {
    const k = key()
    const uploadId = await storage.multipart.create({ key: k, contentType: 'video/mp4' })
    const ack = await client.send(
      new UploadPartCommand({
        Bucket: bucket,
        Key: k,
        UploadId: uploadId,
        PartNumber: 1,
        Body: part,
        ChecksumSHA256: sha256(part),
      }),
    )
    await storage.multipart.complete({
      key: k,
      uploadId,
      parts: [{ partNumber: 1, etag: ack.ETag ?? '', sha256: ack.ChecksumSHA256 }],
    })
    await expect(storage.multipart.abort({ key: k, uploadId })).resolves.toBeUndefined()
    expect((await storage.head(k))?.size).toBe(part.length)
  })
})
