import { describe, expect, it } from 'vitest'
import { UplinkError } from './errors.ts'
import { backoffDelay, isRetryable, withRetry } from './retry.ts'

describe('backoffDelay', () => {
  it('doubles the ceiling each retry up to the maximum, with full jitter', () => {
    expect([0, 1, 2, 3].map((r) => backoffDelay(r, 500, 3000, () => 1))).toEqual([
      500, 1000, 2000, 3000,
    ])
    expect(backoffDelay(3, 500, 3000, () => 0)).toBe(0)
  })
})

describe('isRetryable', () => {
  it('retries network errors, 5xx, 408 and 429, but not other client errors or aborts', () => {
    expect(isRetryable(new TypeError('fetch failed'))).toBe(true)
    expect(isRetryable(new UplinkError('NETWORK', 'down'))).toBe(true)
    expect(isRetryable(new UplinkError('SERVER', 'x', { status: 503 }))).toBe(true)
    expect(isRetryable(new UplinkError('BAD_REQUEST', 'x', { status: 429 }))).toBe(true)
    expect(isRetryable(new UplinkError('FORBIDDEN', 'x', { status: 403 }))).toBe(false)
    expect(isRetryable(new UplinkError('ABORTED', 'x'))).toBe(false)
    expect(isRetryable(new DOMException('stop', 'AbortError'))).toBe(false)
  })
})

describe('withRetry', () => {
  it('tries again after a transient failure and returns the result', async () => {
    let calls = 0
    const result = await withRetry(
      async () => {
        calls++
        if (calls < 3) throw new UplinkError('SERVER', 'busy', { status: 503 })
        return 'ok'
      },
      { baseDelayMs: 1 },
    )
    expect([result, calls]).toEqual(['ok', 3])
  })

  it('gives up at once on an error that will not change, and after the last attempt', async () => {
    let calls = 0
    const fail = (err: Error) => () => {
      calls++
      return Promise.reject(err)
    }
    await expect(
      withRetry(fail(new UplinkError('BAD_REQUEST', 'no')), { baseDelayMs: 1 }),
    ).rejects.toThrow('no')
    expect(calls).toBe(1)
    calls = 0
    await expect(
      withRetry(fail(new TypeError('fetch failed')), { attempts: 3, baseDelayMs: 1 }),
    ).rejects.toThrow('fetch failed')
    expect(calls).toBe(3)
  })

  it('stops waiting with ABORTED when the signal fires during a backoff', async () => {
    const controller = new AbortController()
    const run = withRetry(
      () => {
        setTimeout(() => controller.abort(), 10)
        return Promise.reject(new TypeError('fetch failed'))
      },
      { baseDelayMs: 60_000, signal: controller.signal },
    )
    await expect(run).rejects.toMatchObject({ code: 'ABORTED' })
  })
})

describe('withRetry and the server Retry-After', () => {
  it('waits the Retry-After the server sent rather than its own short backoff', async () => {
    const times: number[] = []
    const result = await withRetry(
      async () => {
        times.push(performance.now())
        if (times.length === 1) {
          throw new UplinkError('SERVER', 'slow down', { status: 429, retryAfterMs: 300 })
        }
        return 'ok'
      },
      { baseDelayMs: 1, maxDelayMs: 1 },
    )
    expect(result).toBe('ok')
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(295)
  })

  it('reads Retry-After from a failed response (seconds or HTTP-date)', async () => {
    const { httpError } = await import('./errors.ts')
    expect(httpError(503, 'PUT', '7').retryAfterMs).toBe(7000)
    expect(httpError(503, 'PUT', null).retryAfterMs).toBeUndefined()
  })
})
