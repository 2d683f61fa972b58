import { isTransientStatus } from './retry-policy.ts'

/**
 * Which tus answers a client sends again: the transient statuses of the one retry policy, plus
 * tus's own: 409 Conflict (offset mismatch: HEAD and resume), 423 Locked, and 460 Checksum
 * Mismatch. Uplink answers 460 when the PATCH body did not match its Upload-Checksum or when S3
 * refused a part for its checksum (a byte changed on the way to S3); either way it kept none of
 * that PATCH, so resending from the server's offset is safe. tus-js-client does not retry 460 by
 * itself: pass this as `onShouldRetry`.
 */
export function shouldRetryTus(status: number): boolean {
  return isTransientStatus(status) || status === 409 || status === 423 || status === 460
}
