import { AppError } from './app-error.ts'
import type { UploadMethod } from './purposes.ts'
import { GiB } from './sizes.ts'

/** Per-user upload quotas; 0 turns a quota off. Each names the variable that sets it. */
export interface Quotas {
  /** Pending documents (any method), `UPLINK_QUOTA_PENDING_UPLOADS`. */
  pendingUploads: number
  /** Pending multipart and tus uploads together, `UPLINK_QUOTA_UNFINISHED_UPLOADS`. */
  unfinishedUploads: number
  /** Sum of the declared sizes of pending uploads, `UPLINK_QUOTA_BYTES_IN_FLIGHT`. */
  bytesInFlight: number
  /** Sum of the sizes of uploaded/ready documents of one purpose, `UPLINK_QUOTA_STORED_BYTES_PER_PURPOSE`. */
  storedBytesPerPurpose: number
}

export const defaultQuotas: Readonly<Quotas> = Object.freeze({
  pendingUploads: 100,
  unfinishedUploads: 20,
  bytesInFlight: 200 * GiB,
  storedBytesPerPurpose: 0,
})

/** True when some quota is on; with every quota off an upload start needs no per-owner lock. */
export function anyQuotaOn(quotas: Quotas | undefined): quotas is Quotas {
  return (
    !!quotas &&
    (quotas.pendingUploads > 0 ||
      quotas.unfinishedUploads > 0 ||
      quotas.bytesInFlight > 0 ||
      quotas.storedBytesPerPurpose > 0)
  )
}

/** What a user has now (unexpired pending rows; stored bytes of the upload's purpose). */
export interface UploadUsage {
  pendingUploads: number
  unfinishedUploads: number
  bytesInFlight: number
  storedBytes: number
}

/** A quota refused an upload (403); the message names the limit, its variable and what to do. */
export class QuotaError extends AppError {
  override readonly name = 'QuotaError'
  constructor(
    readonly quota: keyof Quotas,
    message: string,
  ) {
    super('quota_exceeded', message)
  }
}

/** Too many uploads started too quickly (429); retry after `retryAfterSeconds`. */
export class RateLimitedError extends AppError {
  override readonly name = 'RateLimitedError'
  override readonly retryAfterSeconds: number
  constructor(retryAfterSeconds: number, message: string) {
    super('rate_limited', message, { retryAfterSeconds })
    this.retryAfterSeconds = retryAfterSeconds
  }
}

/**
 * A rate limit shared by every instance (the server builds it; packages only consume).
 * `consume` resolves undefined when the call is allowed, else how long to wait.
 */
export interface RateLimit {
  /** "30 upload creations per 10 s (UPLINK_RATE_LIMIT_UPLOADS)" — used in refusals. */
  readonly description: string
  consume(key: string): Promise<{ retryAfterSeconds: number } | undefined>
}

/** Consumes one point for `userId`; throws RateLimitedError when the limit is reached. */
export async function consumeRateLimit(limit: RateLimit | undefined, userId: string) {
  const refused = await limit?.consume(userId)
  if (!refused || !limit) return
  throw new RateLimitedError(
    refused.retryAfterSeconds,
    `too many uploads started: at most ${limit.description}; retry in ${refused.retryAfterSeconds} s`,
  )
}

/** Methods whose uploads stay open for long (count against `unfinishedUploads`). */
export const LONG_RUNNING_METHODS: readonly UploadMethod[] = ['multipart', 'tus']

/**
 * Throws QuotaError if starting an upload of `size` bytes by `method` would exceed a quota,
 * given the user's current `usage`.
 */
export function checkQuotas(
  quotas: Quotas,
  usage: UploadUsage,
  upload: { size: number; method: UploadMethod; purpose: string },
): void {
  if (quotas.pendingUploads && usage.pendingUploads >= quotas.pendingUploads) {
    throw new QuotaError(
      'pendingUploads',
      `you have ${usage.pendingUploads} pending uploads, the most allowed (UPLINK_QUOTA_PENDING_UPLOADS=${quotas.pendingUploads}); finish, confirm or delete some first`,
    )
  }
  if (
    quotas.unfinishedUploads &&
    LONG_RUNNING_METHODS.includes(upload.method) &&
    usage.unfinishedUploads >= quotas.unfinishedUploads
  ) {
    throw new QuotaError(
      'unfinishedUploads',
      `you have ${usage.unfinishedUploads} unfinished multipart/tus uploads, the most allowed (UPLINK_QUOTA_UNFINISHED_UPLOADS=${quotas.unfinishedUploads}); complete or abort some first`,
    )
  }
  if (quotas.bytesInFlight && usage.bytesInFlight + upload.size > quotas.bytesInFlight) {
    throw new QuotaError(
      'bytesInFlight',
      `this upload of ${upload.size} bytes would bring your pending uploads to ${usage.bytesInFlight + upload.size} bytes, over the limit of ${quotas.bytesInFlight} (UPLINK_QUOTA_BYTES_IN_FLIGHT); finish or abort some first`,
    )
  }
  if (
    quotas.storedBytesPerPurpose &&
    usage.storedBytes + upload.size > quotas.storedBytesPerPurpose
  ) {
    throw new QuotaError(
      'storedBytesPerPurpose',
      `this upload of ${upload.size} bytes would bring your stored "${upload.purpose}" documents to ${usage.storedBytes + upload.size} bytes, over the limit of ${quotas.storedBytesPerPurpose} (UPLINK_QUOTA_STORED_BYTES_PER_PURPOSE); delete some first`,
    )
  }
}
