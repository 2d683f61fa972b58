import { MAX_TRPC_BATCH_ITEMS } from '@uplink/core/browser'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createApiClient } from './client.ts'

afterEach(() => {
  vi.unstubAllGlobals()
})

describe('createApiClient', () => {
  it('splits calls made together into batches the server accepts (a page of 25 thumbnails)', async () => {
    const sizes: number[] = []
    // Stands in for the server: answers each call of a batch (the e2e runs the real one).
    vi.stubGlobal('fetch', async (input: RequestInfo | URL) => {
      const paths = new URL(String(input), 'http://page.test').pathname.slice(6).split(',')
      sizes.push(paths.length)
      if (paths.length > MAX_TRPC_BATCH_ITEMS) {
        return Response.json(
          { error: { message: 'Batch call exceeds maximum size', code: -32600, data: {} } },
          { status: 400 },
        )
      }
      return Response.json(paths.map((_, i) => ({ result: { data: { url: `u${i}` } } })))
    })
    const api = createApiClient('token', () => {})
    const ids = Array.from({ length: 25 }, () => crypto.randomUUID())
    const answers = await Promise.all(ids.map((id) => api.documents.downloadUrl.query({ id })))
    expect(answers).toHaveLength(25)
    expect(sizes.length).toBe(Math.ceil(25 / MAX_TRPC_BATCH_ITEMS))
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_TRPC_BATCH_ITEMS)
  })
})
