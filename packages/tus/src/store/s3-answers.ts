import { isNoSuchUpload } from '@uplink/storage'

// What S3's answers mean for the store: acknowledgements that do not match, missing objects.

/** S3 acknowledged a part with a checksum other than the one sent: it was not stored as sent. */
export class PartChecksumError extends Error {
  override readonly name = 'PartChecksumError'
}

/** Base64 SHA-256 of zero bytes. */
export const EMPTY_SHA256 = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='

/** Throws when S3 acknowledged other bytes than the ones sent. */
export function checkAcknowledged(
  acknowledged: string | undefined,
  sent: string,
  what: string,
): void {
  if (acknowledged && acknowledged !== sent) {
    throw new PartChecksumError(
      `S3 acknowledged ${what} with SHA-256 ${acknowledged} but ${sent} was sent`,
    )
  }
}

/** Base64 MD5 of zero bytes. */
export const EMPTY_MD5 = '1B2M2Y8AsgTpgAcHnr0LfQ=='

/**
 * Throws when S3 answered a `Content-MD5` upload with another ETag: the store holds other
 * bytes, or its ETags are not MD5s (then `S3_CHECKSUMS=false` cannot verify its parts).
 */
export function checkAcknowledgedEtag(etag: string | undefined, md5Hex: string, what: string) {
  const bare = (etag ?? '').replace(/^W\//, '').replace(/"/g, '')
  if (bare !== md5Hex) {
    throw new PartChecksumError(
      `S3 acknowledged ${what} with ETag ${bare || '(none)'} but the MD5 of the bytes sent is ${md5Hex}; with S3_CHECKSUMS=false the store's part ETags must be the MD5 of the part`,
    )
  }
}

/** S3 lost the multipart upload: it was completed (or aborted); or its key is gone. */
export function isMissingUpload(err: unknown): boolean {
  const name = (err as { name?: string; Code?: string }).name ?? (err as { Code?: string }).Code
  return isNoSuchUpload(err) || name === 'NoSuchKey'
}

/** HeadObject/GetObject found nothing. */
export function isNotFound(err: unknown): boolean {
  const name = (err as { name?: string }).name
  return name === 'NotFound' || name === 'NoSuchKey'
}
