import type { LeanS3 } from './lean-s3.ts'
import type { ObjectGetter } from './object-get.ts'

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
  s3: Pick<LeanS3, 'headObject'>,
  bucket: string,
  key: string,
): Promise<ObjectHead | undefined> {
  try {
    const res = await s3.headObject({ Bucket: bucket, Key: key })
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
export async function deleteObject(
  s3: Pick<LeanS3, 'deleteObject'>,
  bucket: string,
  key: string,
): Promise<void> {
  await s3.deleteObject({ Bucket: bucket, Key: key })
}

/** The first `length` bytes of an object (one ranged GET), e.g. for a magic-byte sniff. */
export async function readFirstBytes(
  getter: ObjectGetter,
  key: string,
  length: number,
): Promise<Uint8Array | undefined> {
  const res = await getter.get(key, { range: { start: 0, end: length - 1 } })
  if (!res) return undefined
  const chunks: Buffer[] = []
  for await (const chunk of res) chunks.push(chunk as Buffer)
  const bytes = Buffer.concat(chunks)
  return new Uint8Array(bytes.buffer, bytes.byteOffset, Math.min(bytes.length, length))
}
