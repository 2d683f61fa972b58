import { describe, expect, it } from 'vitest'
import {
  anyQuotaOn,
  checkQuotas,
  consumeRateLimit,
  QuotaError,
  type Quotas,
  RateLimitedError,
} from './limits.ts'

const quotas: Quotas = {
  pendingUploads: 3,
  unfinishedUploads: 2,
  bytesInFlight: 100,
  storedBytesPerPurpose: 50,
}
const none = { pendingUploads: 0, unfinishedUploads: 0, bytesInFlight: 0, storedBytes: 0 }
const put = { size: 10, method: 'put' as const, purpose: 'image' }

function refusal(fn: () => void): QuotaError {
  try {
    fn()
  } catch (err) {
    if (err instanceof QuotaError) return err
    throw err
  }
  throw new Error('expected a QuotaError')
}

describe('checkQuotas', () => {
  it('allows an upload that reaches a byte limit exactly', () => {
    expect(() => checkQuotas(quotas, { ...none, bytesInFlight: 90 }, put)).not.toThrow()
    expect(() => checkQuotas(quotas, { ...none, storedBytes: 40 }, put)).not.toThrow()
  })

  it('names the quota that refused and its variable', () => {
    expect(refusal(() => checkQuotas(quotas, { ...none, pendingUploads: 3 }, put)).quota).toBe(
      'pendingUploads',
    )
    const bytes = refusal(() => checkQuotas(quotas, { ...none, bytesInFlight: 91 }, put))
    expect(bytes.message).toMatch(/UPLINK_QUOTA_BYTES_IN_FLIGHT/)
    const stored = refusal(() => checkQuotas(quotas, { ...none, storedBytes: 41 }, put))
    expect(stored.message).toMatch(/stored "image" documents to 51 bytes.*STORED_BYTES_PER_PURPOSE/)
  })

  it('counts only multipart and tus against unfinished uploads', () => {
    const usage = { ...none, unfinishedUploads: 2 }
    expect(() => checkQuotas(quotas, usage, put)).not.toThrow()
    expect(refusal(() => checkQuotas(quotas, usage, { ...put, method: 'tus' })).quota).toBe(
      'unfinishedUploads',
    )
  })

  it('treats 0 as no limit', () => {
    const off = {
      pendingUploads: 0,
      unfinishedUploads: 0,
      bytesInFlight: 0,
      storedBytesPerPurpose: 0,
    }
    const huge = {
      pendingUploads: 1e6,
      unfinishedUploads: 1e6,
      bytesInFlight: 1e15,
      storedBytes: 1e15,
    }
    expect(() => checkQuotas(off, huge, { ...put, method: 'multipart' })).not.toThrow()
  })
})

describe('consumeRateLimit', () => {
  it('throws RateLimitedError with the wait and the limit when refused', async () => {
    const limit = {
      description: '1 upload starts per 10 s (UPLINK_RATE_LIMIT_UPLOADS)',
      consume: async () => ({ retryAfterSeconds: 7 }),
    }
    const err = await consumeRateLimit(limit, 'u').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RateLimitedError)
    expect((err as RateLimitedError).retryAfterSeconds).toBe(7)
    expect((err as Error).message).toBe(
      'too many uploads started: at most 1 upload starts per 10 s (UPLINK_RATE_LIMIT_UPLOADS); retry in 7 s',
    )
  })
})

describe('anyQuotaOn', () => {
  it('is false only when every quota is 0 or there are none', () => {
    const off = {
      pendingUploads: 0,
      unfinishedUploads: 0,
      bytesInFlight: 0,
      storedBytesPerPurpose: 0,
    }
    expect(anyQuotaOn(undefined)).toBe(false)
    expect(anyQuotaOn(off)).toBe(false)
    for (const quota of Object.keys(off) as (keyof Quotas)[]) {
      expect(anyQuotaOn({ ...off, [quota]: 1 })).toBe(true)
    }
  })
})
