import { isNoSuchUpload } from '@uplink/storage'

// What S3's answers mean for the store: empty bodies' digests, missing objects. A part not
// stored as sent is a PartChecksumError (protocol/outage-answers.ts, which answers it with 460).

/** Base64 SHA-256 of zero bytes. */
export const EMPTY_SHA256 = '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='

/** Base64 MD5 of zero bytes. */
export const EMPTY_MD5 = '1B2M2Y8AsgTpgAcHnr0LfQ=='

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
