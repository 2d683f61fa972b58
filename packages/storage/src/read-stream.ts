import { Readable } from 'node:stream'
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } }
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404
}

/**
 * The whole object as a Node Readable (one GET, streamed: memory stays bounded whatever the
 * size). Undefined when there is no such object. Destroy the stream to stop early: that
 * releases the S3 connection.
 */
export async function readStream(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<Readable | undefined> {
  try {
    const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
    const body = res.Body
    if (!body) return Readable.from([])
    // In Node the SDK's body is an IncomingMessage (a Readable); wrap anything else.
    if (body instanceof Readable) return body
    return Readable.fromWeb(body.transformToWebStream() as Parameters<typeof Readable.fromWeb>[0])
  } catch (err) {
    if (isNotFound(err)) return undefined
    throw err
  }
}
