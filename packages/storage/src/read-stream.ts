import type { ObjectBody } from './object-body.ts'
import type { ByteRange, ObjectGetter } from './object-get.ts'

/** S3 refused the read because the object's ETag is no longer the one asked for. */
export class ObjectChangedError extends Error {
  override readonly name = 'ObjectChangedError'
}

export interface ReadStreamOptions {
  /** Inclusive byte offsets, as in HTTP `Range: bytes=start-end`. */
  range?: ByteRange | undefined
  /** Read only if the object still has this ETag (else ObjectChangedError). */
  ifMatch?: string | undefined
  /** Aborts the GET (and its connection) whether or not the body has started. */
  signal?: AbortSignal | undefined
}

/**
 * The object, or one byte range of it, as a Node Readable (one GET, streamed: memory stays
 * bounded whatever the size); `sendTo` writes it to a client without copies (object-body.ts).
 * Undefined when there is no such object. Destroy the stream or
 * abort `signal` to stop early: either closes the S3 connection. A connection that S3 closes
 * before Content-Length bytes arrived fails the stream (never a short, clean end).
 */
export async function readStream(
  getter: ObjectGetter,
  key: string,
  options: ReadStreamOptions = {},
): Promise<ObjectBody | undefined> {
  try {
    return await getter.get(key, options)
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
    // "If-Match: ... the server MUST NOT perform the requested method" (RFC 9110 §13.1.1).
    if (status === 412) throw new ObjectChangedError(`${key} changed since it was read`)
    throw err
  }
}
