import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'

/**
 * Base64 SHA-256 of a file (or of its first `bytes` bytes), as S3's `x-amz-checksum-sha256`
 * wants it.
 */
export async function fileSha256(path: string, bytes?: number): Promise<string> {
  const hash = createHash('sha256')
  const range = bytes === undefined ? {} : { end: bytes - 1 }
  for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024, ...range })) {
    hash.update(chunk as Buffer)
  }
  return hash.digest('base64')
}
