import { createHash } from 'node:crypto'
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'

/**
 * PutObject of a small body the server made itself (e.g. a video's poster JPEG), with its
 * SHA-256 when checksums are on: "Amazon S3 uses the checksum value to check the integrity of
 * the object" (PutObject, x-amz-checksum-sha256), so the store keeps these bytes or nothing.
 */
export async function putObject(
  client: S3Client,
  bucket: string,
  input: { key: string; body: Uint8Array; contentType: string; checksums: boolean },
): Promise<void> {
  await client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: input.key,
      Body: input.body,
      ContentType: input.contentType,
      ContentLength: input.body.length,
      ...(input.checksums
        ? { ChecksumSHA256: createHash('sha256').update(input.body).digest('base64') }
        : {}),
    }),
  )
}
