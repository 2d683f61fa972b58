import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ApiClient } from '../api/client.ts'
import { GalleryAccess, galleryImageUrl, renewDelay } from './gallery-access.ts'

/** A galleryAccess procedure granting `ttlMs`; counts its calls. */
function fakeApi(ttlMs: number) {
  const calls = { count: 0 }
  const api = {
    documents: {
      galleryAccess: {
        mutate: async () => {
          calls.count++
          const expiresAt = new Date(Date.now() + ttlMs).toISOString()
          return { baseUrl: 'https://cdn.example/x', prefix: 'ann/image/', expiresAt }
        },
      },
    },
  } as unknown as ApiClient
  return { api, calls }
}

describe('gallery access', () => {
  beforeEach(() => vi.useFakeTimers())
  afterEach(() => vi.useRealTimers())

  it('builds an image URL as <baseUrl>/<prefix><documentId>', () => {
    const grant = { baseUrl: 'https://cdn.example/x', prefix: 'ann/image/', expiresAt: '' }
    expect(galleryImageUrl(grant, 'd1')).toBe('https://cdn.example/x/ann/image/d1')
  })

  it('renews 20 % of the lifetime before expiry, at least 5 s before, at most once a second', () => {
    expect(renewDelay(600_000)).toBe(480_000)
    expect(renewDelay(10_000)).toBe(5_000)
    expect(renewDelay(3_000)).toBe(1_000)
    // expiresAt already past by this clock: no renewal storm.
    expect(renewDelay(-5_000)).toBe(60_000)
  })

  it('renews by itself before the grant expires, and stops when told', async () => {
    const { api, calls } = fakeApi(10_000)
    const access = new GalleryAccess(api, () => {})
    await access.renew()
    await vi.advanceTimersByTimeAsync(4_900)
    expect(calls.count).toBe(1)
    await vi.advanceTimersByTimeAsync(200)
    expect(calls.count).toBe(2)
    access.stop()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(calls.count).toBe(2)
  })

  it('renews once for refusals at the same moment, and not at all for an image older than the grant', async () => {
    const { api, calls } = fakeApi(600_000)
    const access = new GalleryAccess(api, () => {})
    await access.renew()
    const seenWith = access.version
    await Promise.all([access.renewAfterFailure(seenWith), access.renewAfterFailure(seenWith)])
    expect(calls.count).toBe(2)
    await access.renewAfterFailure(seenWith)
    expect(calls.count).toBe(2)
    access.stop()
  })
})
