import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { crc32 as zlibCrc32 } from 'node:zlib'
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3'
import type { Fault } from './s3-faults.ts'

export const md5Hex = (data: Buffer) => createHash('md5').update(data).digest('hex')
export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('base64')
export const crc32 = (data: Buffer) => {
  const out = Buffer.alloc(4)
  out.writeUInt32BE(zlibCrc32(data) >>> 0)
  return out.toString('base64')
}

/**
 * An S3 error shaped as the SDK throws it: `name` is the S3 error code (a plain Error, so the
 * tests that use MemoryS3 need not load the SDK).
 */
export function s3Error(name: string, status: number, message: string): Error {
  const fault = status < 500 ? 'client' : 'server'
  return Object.assign(new Error(message), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status },
  })
}

export const bare = (etag: string | undefined) => (etag ?? '').replace(/^W\//, '').replace(/"/g, '')

/** S3 keeps user metadata keys in lower case. */
export const lower = (metadata: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v]))

/** A request body (stream, bytes or text) as bytes. */
export async function readBody(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0)
  if (typeof body === 'string') return Buffer.from(body)
  if (body instanceof Uint8Array) return Buffer.from(body)
  if (body instanceof Readable) {
    const chunks: Buffer[] = []
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array))
    return Buffer.concat(chunks)
  }
  throw new TypeError(`MemoryS3 cannot read a body of type ${typeof body}`)
}

/** A GetObject body: a Node stream with the SDK's `transformTo*` helpers. */
export function sdkStream(data: Buffer): GetObjectCommandOutput['Body'] {
  const stream = Readable.from([data])
  return Object.assign(stream, {
    transformToString: async (encoding?: BufferEncoding) => data.toString(encoding ?? 'utf8'),
    transformToByteArray: async () => new Uint8Array(data),
    transformToWebStream: () => Readable.toWeb(Readable.from([data])) as ReadableStream,
  }) as unknown as GetObjectCommandOutput['Body']
}

/**
 * The body as S3 keeps it: exactly Content-Length bytes (an incomplete body is refused, or
 * padded under a `pad` fault), checked against Content-MD5 and x-amz-checksum-sha256/-crc32.
 */
export async function receiveBody(
  input: {
    Body?: unknown
    ContentLength?: number | undefined
    ContentMD5?: string | undefined
    ChecksumCRC32?: string | undefined
    ChecksumSHA256?: string | undefined
  },
  pad: Fault['pad'],
): Promise<Buffer> {
  let body = await readBody(input.Body)
  const length = input.ContentLength ?? body.length
  if (pad) {
    const kept = body.subarray(0, pad.keep)
    return Buffer.concat([kept, Buffer.alloc(Math.max(0, length - kept.length))])
  }
  if (body.length !== length) {
    throw s3Error(
      'IncompleteBody',
      400,
      `You did not provide the number of bytes specified by the Content-Length (${body.length} of ${length})`,
    )
  }
  body = body.subarray(0, length)
  if (input.ContentMD5 && createHash('md5').update(body).digest('base64') !== input.ContentMD5) {
    throw s3Error('BadDigest', 400, 'The Content-MD5 you specified did not match what we received')
  }
  if (input.ChecksumSHA256 && sha256(body) !== input.ChecksumSHA256) {
    throw s3Error(
      'BadDigest',
      400,
      'The SHA256 you specified did not match the calculated checksum',
    )
  }
  if (input.ChecksumCRC32 && crc32(body) !== input.ChecksumCRC32) {
    throw s3Error('BadDigest', 400, 'The CRC32 you specified did not match the calculated checksum')
  }
  return body
}

/** The digests the request declared (what a store that echoes them answers). */
export function sent(
  input: {
    ContentMD5?: string | undefined
    ChecksumCRC32?: string | undefined
    ChecksumSHA256?: string | undefined
  },
  stored: { etag: string; crc32: string; sha256: string },
) {
  const md5 = input.ContentMD5 ? Buffer.from(input.ContentMD5, 'base64').toString('hex') : undefined
  return {
    etag: md5 ? `"${md5}"` : stored.etag,
    crc32: input.ChecksumCRC32 ?? stored.crc32,
    sha256: input.ChecksumSHA256 ?? stored.sha256,
  }
}
