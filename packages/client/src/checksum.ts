import { createHash } from 'node:crypto'

/** Base64 SHA-256, as S3's `x-amz-checksum-sha256` and the API's `sha256` fields want it. */
export function sha256Base64(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('base64')
}

/** A part S3 reports holding (multipart.listParts). */
export interface ListedPart {
  partNumber: number
  etag: string
  size: number
  sha256?: string | undefined
}

/**
 * Whether a part S3 holds is exactly `body`: its SHA-256 when the store verified one, else
 * its ETag, which for a plain UploadPart is the hex MD5 of the part's bytes. A store that
 * padded a cut-short body reports the right size with other bytes: size alone proves nothing.
 */
export function partMatches(listed: ListedPart, body: Uint8Array, sha256: string): boolean {
  if (listed.size !== body.length) return false
  if (listed.sha256) return listed.sha256 === sha256
  const etag = listed.etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1')
  return etag.toLowerCase() === createHash('md5').update(body).digest('hex')
}
