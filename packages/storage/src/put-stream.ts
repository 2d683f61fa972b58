import { createHash } from 'node:crypto'
import { PutObjectCommand, type S3Client, UploadPartCommand } from '@aws-sdk/client-s3'
import {
  abortMultipartUpload,
  completeMultipartUpload,
  createMultipartUpload,
} from './multipart.ts'

/** Bytes held in memory before they go to S3 as one part. S3: "each part must be at least 5 MB in size, except the last part". */
export const STREAM_PART_BYTES = 5 * 1024 * 1024

export interface PutStreamInput {
  key: string
  contentType: string
  body: AsyncIterable<Buffer | Uint8Array>
  /** Send each request with its SHA-256 for the store to verify (StorageConfig.checksums). */
  checksums: boolean
  signal?: AbortSignal | undefined
}

const sha256 = (buf: Buffer) => createHash('sha256').update(buf).digest('base64')

/**
 * Stores a stream of unknown length with bounded memory: one PutObject when it fits in one
 * part, else a multipart upload fed part by part (at most one part buffered while the previous
 * one is sent). Every request carries its SHA-256 when checksums are on. A failed or aborted
 * stream leaves nothing behind (the multipart upload is aborted). Returns the bytes stored.
 */
export async function putStream(
  client: S3Client,
  bucket: string,
  input: PutStreamInput,
): Promise<number> {
  const { key, contentType, checksums, signal } = input
  const checksum = (buf: Buffer) => (checksums ? { ChecksumSHA256: sha256(buf) } : {})
  let pending: Buffer[] = []
  let pendingBytes = 0
  let total = 0
  let uploadId: string | undefined
  const parts: { partNumber: number; etag: string; sha256?: string }[] = []
  let inFlight: Promise<void> = Promise.resolve()

  const sendPart = (buf: Buffer, partNumber: number, id: string) =>
    client
      .send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: id,
          PartNumber: partNumber,
          Body: buf,
          ContentLength: buf.length,
          ...checksum(buf),
        }),
        { abortSignal: signal },
      )
      .then((res) => {
        parts.push({
          partNumber,
          etag: res.ETag ?? '',
          ...(checksums ? { sha256: sha256(buf) } : {}),
        })
      })

  try {
    for await (const chunk of input.body) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)
      pending.push(buf)
      pendingBytes += buf.length
      total += buf.length
      if (pendingBytes < STREAM_PART_BYTES) continue
      const part = Buffer.concat(pending)
      pending = []
      pendingBytes = 0
      uploadId ??= await createMultipartUpload(client, bucket, { key, contentType, checksums })
      const id = uploadId
      await inFlight
      inFlight = sendPart(part, parts.length + 1, id)
    }
    const rest = Buffer.concat(pending)
    if (!uploadId) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: rest,
          ContentLength: rest.length,
          ContentType: contentType,
          ...checksum(rest),
        }),
        { abortSignal: signal },
      )
      return total
    }
    await inFlight
    if (rest.length) await sendPart(rest, parts.length + 1, uploadId)
    await completeMultipartUpload(client, bucket, { key, uploadId, parts })
    return total
  } catch (err) {
    await inFlight.catch(() => {})
    if (uploadId) await abortMultipartUpload(client, bucket, { key, uploadId }).catch(() => {})
    throw err
  }
}
