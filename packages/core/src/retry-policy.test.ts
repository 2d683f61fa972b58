import { describe, expect, it } from 'vitest'
import { isTransientStatus, parseRetryAfter, RETRY_POLICY, retryDelayMs } from './retry-policy.ts'
import { shouldRetryTus } from './tus-retry.ts'

describe('the one retry policy', () => {
  it('treats network failures, 408, 429 and 5xx but 501 as transient', () => {
    expect([0, 408, 429, 500, 502, 503, 504].every(isTransientStatus)).toBe(true)
    expect([400, 401, 403, 404, 409, 412, 413, 422, 501].some(isTransientStatus)).toBe(false)
  })

  it('adds tus conflicts, locks and checksum mismatches for tus', () => {
    expect([409, 423, 460, 429, 503].every(shouldRetryTus)).toBe(true)
    expect([400, 404, 410, 413].some(shouldRetryTus)).toBe(false)
  })

  it('backs off with full jitter up to the cap', () => {
    expect([0, 1, 2, 10].map((r) => retryDelayMs(r, { random: () => 1 }))).toEqual([
      500,
      1000,
      2000,
      RETRY_POLICY.maxDelayMs,
    ])
    expect(retryDelayMs(3, { random: () => 0 })).toBe(0)
  })

  it('honours Retry-After (seconds or HTTP-date), capped', () => {
    const now = Date.parse('2026-01-01T00:00:00Z')
    expect(parseRetryAfter('5', now)).toBe(5000)
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', now)).toBe(10_000)
    expect(parseRetryAfter('soon', now)).toBeUndefined()
    expect(parseRetryAfter(undefined, now)).toBeUndefined()
    expect(retryDelayMs(0, { retryAfterMs: 5000 })).toBe(5000)
    expect(retryDelayMs(0, { retryAfterMs: 3_600_000 })).toBe(RETRY_POLICY.maxRetryAfterMs)
  })
})
