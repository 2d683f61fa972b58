import { isRetryableStorageStatus } from '@uplink/core'
import { isAbort, UplinkError } from './errors.ts'

export interface RetryOptions {
  /** Attempts in all, the first included (default 5). */
  attempts?: number
  /** Delay before the first retry in ms; doubles each time (default 500). */
  baseDelayMs?: number
  /** Longest delay in ms (default 10 s). */
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
  return Math.round(random() * Math.min(max, base * 2 ** retry))
}

/**
 * Network failures, 5xx, 408 and 429 are worth another try; anything else is not, except S3's
 * own 409 (a race the store says to retry: `isRetryableStorageStatus`).
 */
export function isRetryable(err: unknown): boolean {
  if (isAbort(err)) return false
  if (err instanceof UplinkError) {
    if (err.code === 'NETWORK') return true
    const s = err.status
    if (err.fromStorage && s !== undefined) return isRetryableStorageStatus(s)
    return s !== undefined && (s >= 500 || s === 408 || s === 429)
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
  const attempts = options.attempts ?? 5
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw aborted()
    try {
      return await fn(attempt)
    } catch (err) {
      if (options.signal?.aborted) throw aborted()
      if (attempt >= attempts || !isRetryable(err)) throw err
      const delay = backoffDelay(
        attempt - 1,
        options.baseDelayMs ?? 500,
        options.maxDelayMs ?? 10_000,
      )
      await sleep(delay, options.signal)
    }
  }
}
