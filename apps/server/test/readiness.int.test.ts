import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

const BUCKET = 'uplink-never-created'

let h: Harness
beforeAll(async () => {
  // Production mode (the harness's): nothing creates the bucket.
  h = await startHarness({ S3_BUCKET: BUCKET })
})
afterAll(async () => {
  await h?.close()
})

describe('/readyz in production with a bucket that does not exist', () => {
  it('answers 503 naming the missing bucket, not an SDK error name', async () => {
    const res = await fetch(`${h.baseUrl}/readyz`)
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({
      ok: false,
      postgres: 'ok',
      s3: `bucket "${BUCKET}" does not exist`,
    })
  })
})
