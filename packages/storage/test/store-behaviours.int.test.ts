/**
 * The store behaviours of src/store-behaviours.ts against the S3 this run uses (versitygw, and
 * MinIO in `test:minio`): each predicate recognises what this store answers.
 */
import { createHash, randomUUID } from 'node:crypto'
import { ListPartsCommand, PutObjectCommand, UploadPartCommand } from '@aws-sdk/client-s3'
import { storageSettings, testServices } from '@uplink/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { createStorage, isChecksumRefusal, isPartAsWritten, objectKey } from '../src/index.ts'

const storage = createStorage(storageSettings(testServices().s3))
afterAll(() => storage.destroy())

const key = () => objectKey({ ownerId: 'alice', purpose: 'video', documentId: randomUUID() })
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64')
const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex')
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
    const written = { size: part.length, sha256: sha256(part), etag: ack.ETag ?? '' }
    expect(isPartAsWritten(listed ?? {}, written)).toBe(true)
    // Zeros of the same size, as a padding store keeps them: the checksum (or ETag) tells.
    const zeros = Buffer.alloc(part.length)
    expect(
      isPartAsWritten(listed ?? {}, { ...written, sha256: sha256(zeros), etag: md5(zeros) }),
    ).toBe(false)
    await storage.multipart.abort({ key: k, uploadId })
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
