import { Readable } from 'node:stream'
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } }
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404
}

/** S3 refused the read because the object's ETag is no longer the one asked for. */
export class ObjectChangedError extends Error {
  override readonly name = 'ObjectChangedError'
}

export interface ReadStreamOptions {
  /** Inclusive byte offsets, as in HTTP `Range: bytes=start-end`. */
  range?: { start: number; end: number } | undefined
  /** Read only if the object still has this ETag (else ObjectChangedError). */
  ifMatch?: string | undefined
  /** Aborts the GET (and its connection) whether or not the body has started. */
  signal?: AbortSignal | undefined
}

/**
 * The object, or one byte range of it, as a Node Readable (one GET, streamed: memory stays
 * bounded whatever the size). Undefined when there is no such object. Destroy the stream or
 * abort `signal` to stop early: either closes the S3 connection.
 */
export async function readStream(
  client: S3Client,
  bucket: string,
  key: string,
  options: ReadStreamOptions = {},
): Promise<Readable | undefined> {
  const { range, ifMatch, signal } = options
  try {
    const res = await client.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        ...(ifMatch ? { IfMatch: ifMatch } : {}),
      }),
      signal ? { abortSignal: signal } : {},
    )
    const body = res.Body
    if (!body) return Readable.from([])
    // In Node the SDK's body is an IncomingMessage (a Readable); wrap anything else.
    if (body instanceof Readable) return body
    return Readable.fromWeb(body.transformToWebStream() as Parameters<typeof Readable.fromWeb>[0])
  } catch (err) {
    if (isNotFound(err)) return undefined
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
    // "If-Match: ... the server MUST NOT perform the requested method" (RFC 9110 §13.1.1).
    if (status === 412) throw new ObjectChangedError(`${key} changed since it was read`)
    throw err
  }
}
