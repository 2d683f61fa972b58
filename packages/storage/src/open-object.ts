import type { ObjectBody } from './object-body.ts'
import type { ObjectGetter } from './object-get.ts'

/** An object's bytes as a stream, with the headers S3 answered the GET with. */
export interface OpenedObject {
  body: ObjectBody
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
  getter: ObjectGetter,
  key: string,
  options: { signal?: AbortSignal } = {},
): Promise<OpenedObject | undefined> {
  const res = await getter.get(key, options)
  if (!res) return undefined
  const modified = res.headers['last-modified']
  return {
    body: res,
    size: Number(res.headers['content-length'] ?? 0),
    contentType: res.headers['content-type'],
    etag: res.headers.etag,
    lastModified: modified ? new Date(modified) : undefined,
  }
}
