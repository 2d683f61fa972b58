import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3'

export interface ObjectHead {
  size: number
  contentType: string | undefined
  etag: string | undefined
  lastModified: Date | undefined
}

/** S3 answered "no such object" (HEAD gives a bare 404, GET and copy NoSuchKey). */
export function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } }
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404
}

/** HeadObject: the truth about an object. Undefined when there is none. */
export async function headObject(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<ObjectHead | undefined> {
  try {
    const res = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
    return {
      size: res.ContentLength ?? 0,
      contentType: res.ContentType,
      etag: res.ETag,
      lastModified: res.LastModified,
    }
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}

/** Deletes an object; deleting a missing one is not an error (S3 semantics). */
export async function deleteObject(client: S3Client, bucket: string, key: string): Promise<void> {
  await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
}

/** The first `length` bytes of an object (a ranged GET), e.g. for a magic-byte sniff. */
export async function readFirstBytes(
  client: S3Client,
  bucket: string,
  key: string,
  length: number,
): Promise<Uint8Array | undefined> {
  try {
    const res = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${length - 1}` }),
    )
    return res.Body ? await res.Body.transformToByteArray() : new Uint8Array()
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}
