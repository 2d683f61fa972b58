/**
 * The one answer to "is this failure transient, and when to try again?", used by the client,
 * its tus uploads and the web app: which statuses, exponential backoff with full jitter, the
 * server's Retry-After honoured (RFC 9110 §10.2.3: "delay-seconds | HTTP-date"), all capped.
 */
export const RETRY_POLICY = {
  /** Attempts in all, the first included. */
  attempts: 5,
  /** Delay before the first retry; doubles each retry. */
  baseDelayMs: 500,
  /** Longest backoff between two attempts. */
  maxDelayMs: 10_000,
  /** Longest Retry-After honoured; a longer one is cut to this (then the caller may give up). */
  maxRetryAfterMs: 60_000,
} as const

/**
 * Statuses worth another try: 0 (no answer: network), 408 Request Timeout, 429 Too Many
 * Requests and 5xx but 501 Not Implemented (a retry cannot make it implemented).
 */
export function isTransientStatus(status: number): boolean {
  return status === 0 || status === 408 || status === 429 || (status >= 500 && status !== 501)
}

/** A Retry-After value (`120` or an HTTP-date) in milliseconds from `now`; undefined if absent or bad. */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!value) return undefined
  const trimmed = value.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const at = Date.parse(trimmed)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/**
 * How long to wait before retry number `retry` (0 for the first retry): the server's
 * Retry-After when it sent one (capped at `maxRetryAfterMs`), otherwise full jitter, a random
 * delay in [0, min(maxDelayMs, baseDelayMs·2^retry)].
 */
export function retryDelayMs(
  retry: number,
  options: {
    retryAfterMs?: number | undefined
    baseDelayMs?: number
    maxDelayMs?: number
    random?: () => number
  } = {},
): number {
  if (options.retryAfterMs !== undefined) {
    return Math.min(options.retryAfterMs, RETRY_POLICY.maxRetryAfterMs)
  }
  const base = options.baseDelayMs ?? RETRY_POLICY.baseDelayMs
  const max = options.maxDelayMs ?? RETRY_POLICY.maxDelayMs
  return Math.round((options.random ?? Math.random)() * Math.min(max, base * 2 ** retry))
}
