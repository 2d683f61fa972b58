import {
  isRetryableStorageStatus,
  isTransientStatus,
  RETRY_POLICY,
  retryDelayMs,
} from '@uplink/core'
import { isAbort, UplinkError } from './errors.ts'

/** Defaults from the one retry policy of `@uplink/core` (RETRY_POLICY). */
export interface RetryOptions {
  /** Attempts in all, the first included (default 5). */
  attempts?: number
  /** Delay before the first retry in ms; doubles each time (default 500). */
  baseDelayMs?: number
  /** Longest backoff in ms (default 10 s); a server's Retry-After is honoured up to 60 s. */
  maxDelayMs?: number
  signal?: AbortSignal | undefined
}

/** Exponential backoff with full jitter: a random delay in [0, min(max, base·2^retry)]. */
export function backoffDelay(
  retry: number,
  base: number,
  max: number,
  random = Math.random,
): number {
  return retryDelayMs(retry, { baseDelayMs: base, maxDelayMs: max, random })
}

/**
 * Network failures and the transient statuses of the one retry policy (`isTransientStatus`),
 * plus S3's own 409 for S3's answers (a race the store says to retry: `isRetryableStorageStatus`).
 */
export function isRetryable(err: unknown): boolean {
  if (isAbort(err)) return false
  if (err instanceof UplinkError) {
    if (err.code === 'NETWORK') return true
    const s = err.status
    if (err.fromStorage && s !== undefined) return isRetryableStorageStatus(s)
    return s !== undefined && isTransientStatus(s)
  }
  // fetch rejects with a TypeError for resets, refused connections and DNS failures.
  return err instanceof TypeError
}

/** Waits `ms`, or rejects with ABORTED as soon as `signal` fires. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(aborted())
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(aborted())
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

export const aborted = () =>
  new UplinkError('ABORTED', 'the upload was interrupted; run it again to resume')

/** Runs `fn` until it succeeds, fails for good, runs out of attempts, or `signal` fires. */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? RETRY_POLICY.attempts
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw aborted()
    try {
      return await fn(attempt)
    } catch (err) {
      if (options.signal?.aborted) throw aborted()
      if (attempt >= attempts || !isRetryable(err)) throw err
      // The server's Retry-After when it sent one, else backoff with full jitter.
      const delay = retryDelayMs(attempt - 1, {
        retryAfterMs: err instanceof UplinkError ? err.retryAfterMs : undefined,
        baseDelayMs: options.baseDelayMs ?? RETRY_POLICY.baseDelayMs,
        maxDelayMs: options.maxDelayMs ?? RETRY_POLICY.maxDelayMs,
      })
      await sleep(delay, options.signal)
    }
  }
}
