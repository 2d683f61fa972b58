/**
 * Which tus answers a client sends again: tus-js-client's default (network errors, 5xx, 409
 * Conflict, 423 Locked) plus 460 Checksum Mismatch. Uplink answers 460 when the PATCH body did
 * not match its Upload-Checksum or when S3 refused a part for its checksum (a byte changed on the
 * way to S3); either way it kept none of that PATCH, so resending from the server's offset is safe.
 * tus-js-client does not retry 460 by itself: pass this as `onShouldRetry`.
 */
export function shouldRetryTus(status: number): boolean {
  return status === 0 || status >= 500 || status === 409 || status === 423 || status === 460
}
