import { Readable } from 'node:stream'
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { isNotFound } from './objects.ts'

/** An object's bytes as a stream, with the headers S3 answered the GET with. */
export interface OpenedObject {
  body: Readable
  size: number
  contentType: string | undefined
  etag: string | undefined
  lastModified: Date | undefined
}

/**
 * One GET: the object's stream and its metadata, so length and ETag describe exactly these
 * bytes. Undefined when there is no such object. Destroy `body` to stop early (that releases
 * the S3 connection); `signal` aborts the request.
 */
export async function openObject(
  client: S3Client,
  bucket: string,
  key: string,
  options: { signal?: AbortSignal } = {},
): Promise<OpenedObject | undefined> {
  try {
    const res = await client.send(
      new GetObjectCommand({ Bucket: bucket, Key: key }),
      options.signal ? { abortSignal: options.signal } : {},
    )
    const body = !res.Body
      ? Readable.from([])
      : res.Body instanceof Readable
        ? res.Body
        : Readable.fromWeb(
            res.Body.transformToWebStream() as Parameters<typeof Readable.fromWeb>[0],
          )
    return {
      body,
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
