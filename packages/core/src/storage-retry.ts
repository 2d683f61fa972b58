/**
 * Whether a status S3 itself answered (a presigned PUT, POST or part) means "send it again": no
 * answer (0), 408, 429, 5xx (S3's "503 SlowDown: Please reduce your request rate."), and 409: S3's
 * "OperationAborted: A conflicting conditional operation is currently in progress against this
 * resource. Try again.", which versitygw's posix backend also answers when a delete in the same
 * folder races the write (`STORE_BEHAVIOURS.conflictRetry` in `@uplink/storage`).
 * Only for S3's answers: a 409 from Uplink's own API is a refusal, not a race.
 */
export function isRetryableStorageStatus(status: number): boolean {
  return status === 0 || status === 408 || status === 409 || status === 429 || status >= 500
}
