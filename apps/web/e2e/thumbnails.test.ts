import { DeleteObjectCommand } from '@aws-sdk/client-s3'
import { MAX_TRPC_BATCH_ITEMS } from '@uplink/core/browser'
import { s3Client, testServices } from '@uplink/testing'
import { describe, expect, it } from 'vitest'
import { signIn } from './support/browser.ts'
import { makeFiles } from './support/files.ts'
import { useBrowser } from './support/harness.ts'
import { SAFETY_MS } from './support/safety.ts'
import { uploadDocument, uploadImage } from './support/seed.ts'

// The worker runs, so the seeded images become `ready` as in production.
const h = useBrowser({
  UPLINK_WORKER: 'true',
  UPLINK_RATE_LIMIT_UPLOADS: 'off',
  UPLINK_QUOTA_PENDING_UPLOADS: '1000',
})
const png = makeFiles().png.bytes
const pdf = new TextEncoder().encode('%PDF-1.7\n%%EOF\n')

describe('image thumbnails in My documents', () => {
  it('shows a thumbnail for every image of 120 documents after "Load more", a placeholder for one whose object is gone', async () => {
    const user = h.user('thea')
    const api = await h.api(user)
    const ids = new Map<string, string>()
    const names = Array.from({ length: 120 }, (_, i) =>
      i % 4 === 3 ? `doc-${i}.pdf` : `img-${i}.png`,
    )
    // One at a time: seeding 6 at a time once had a confirm answer upload_missing after its
    // PUT succeeded (confirms racing in one versitygw folder), which is not this test's subject.
    for (const name of names) {
      const upload = name.endsWith('.png') ? uploadImage : uploadDocument
      ids.set(name, await upload(api, name, name.endsWith('.png') ? png : pdf))
    }
    const imageNames = names.filter((n) => n.endsWith('.png'))
    // Every document checked and `ready` before the page opens.
    const readyCount = async () => {
      let count = 0
      let cursor: string | null = null
      do {
        const page = await api.documents.list.query({ status: 'ready', limit: 100, cursor })
        count += page.items.length
        cursor = page.nextCursor
      } while (cursor)
      return count
    }
    await expect.poll(readyCount, { timeout: SAFETY_MS }).toBe(120)

    // One image's bytes vanish from S3 (as after a botched restore): its thumbnail must fail.
    const broken = 'img-42.png'
    const brokenId = ids.get(broken) ?? ''
    const { s3 } = testServices()
    await s3Client(s3).send(
      new DeleteObjectCommand({ Bucket: h.server.bucket, Key: `${user}/image/${brokenId}` }),
    )

    const { page } = h
    // Tall enough that a whole page of cards is on screen at once: many thumbnails together.
    await page.setViewportSize({ width: 1280, height: 4000 })
    const batches: { items: number; status: number }[] = []
    page.on('response', (res) => {
      const url = new URL(res.url())
      if (!url.pathname.startsWith('/trpc/')) return
      batches.push({ items: url.pathname.slice(6).split(',').length, status: res.status() })
    })
    let brokenGets = 0
    page.on('request', (req) => {
      if (req.method() === 'GET' && req.url().includes(brokenId) && !req.url().includes('/trpc/'))
        brokenGets++
    })

    await signIn(page, h.server.baseUrl, user)
    const cards = page.getByRole('list', { name: 'My documents' }).getByRole('listitem')
    await expect.poll(() => cards.count()).toBe(25)
    const more = page.getByRole('button', { name: 'Load more' })
    while ((await more.count()) > 0) {
      const before = await cards.count()
      await more.click()
      await expect.poll(() => cards.count()).toBeGreaterThan(before)
    }
    expect(await cards.count()).toBe(120)
    expect(await page.getByText('Could not load your documents').count()).toBe(0)

    // Each image card, brought on screen: a decoded thumbnail, or the placeholder.
    const thumbState = (name: string) =>
      page
        .getByRole('listitem', { name })
        .locator('.thumbnail')
        .evaluate((box) => {
          const img = box.querySelector('img')
          if (img?.complete && img.naturalWidth > 0) return 'loaded'
          return box.textContent?.includes('No preview') ? 'placeholder' : 'waiting'
        })
    for (const name of imageNames) {
      await page.getByRole('listitem', { name }).scrollIntoViewIfNeeded()
      await expect
        .poll(() => thumbState(name), { timeout: SAFETY_MS })
        .toBe(name === broken ? 'placeholder' : 'loaded')
    }
    // The missing object was asked for twice (S3 answers 404: one GET per try), then given up.
    expect(brokenGets).toBe(2)

    // No batch the server refuses was ever sent.
    expect(batches.length).toBeGreaterThan(0)
    expect(Math.max(...batches.map((b) => b.items))).toBeLessThanOrEqual(MAX_TRPC_BATCH_ITEMS)
    expect(batches.filter((b) => b.status === 400)).toEqual([])
    // PDFs have no thumbnail.
    expect(
      await page.getByRole('listitem', { name: 'doc-3.pdf' }).locator('.thumbnail').count(),
    ).toBe(0)
    // Seeding 120 documents and checking them takes most of the time on a loaded machine.
  })
})
