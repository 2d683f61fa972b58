import { CopyObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { isNotFound } from './objects.ts'

/** S3: "You can create a copy of your object up to 5 GB in a single atomic action" (CopyObject). */
export const MAX_COPY_OBJECT_BYTES = 5 * 1024 ** 3

/** `bucket/key` for x-amz-copy-source, each segment URL-encoded as S3 requires. */
function copySource(bucket: string, key: string): string {
  return [bucket, ...key.split('/')].map(encodeURIComponent).join('/')
}

/**
 * Server-side CopyObject within the bucket, keeping the source's Content-Type and metadata.
 * Objects over {@link MAX_COPY_OBJECT_BYTES} need UploadPartCopy; callers check the size first.
 * Returns false when the source does not exist (e.g. a concurrent copy already moved it).
 */
export async function copyObject(
  client: S3Client,
  bucket: string,
  input: { from: string; to: string },
): Promise<boolean> {
  try {
    await client.send(
      new CopyObjectCommand({
        Bucket: bucket,
        Key: input.to,
        CopySource: copySource(bucket, input.from),
        MetadataDirective: 'COPY',
      }),
    )
    return true
  } catch (err) {
    if (isNotFound(err)) return false
    throw err
  }
}
