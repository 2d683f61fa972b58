import { describe, expect, it } from 'vitest'
import { signIn } from './support/browser.ts'
import { makeFiles } from './support/files.ts'
import { useBrowser } from './support/harness.ts'
import { SAFETY_MS } from './support/safety.ts'
import { uploadImage } from './support/seed.ts'

// Cookies that live 4 s: the page renews them every second or so, well before they expire.
const h = useBrowser({ UPLINK_RATE_LIMIT_UPLOADS: 'off', UPLINK_CDN_COOKIE_TTL: '4' })
const png = makeFiles().png.bytes

describe('gallery cookies', () => {
  it('are renewed before they expire, so images shown later load without a refusal', async () => {
    await uploadImage(await h.api(h.user('ivy')), 'late.png', png)
    const { page } = h
    let grants = 0
    // The first cookies expire 4 s after the server granted them, so before this time.
    let firstExpiry = Number.POSITIVE_INFINITY
    const refused: string[] = []
    page.on('request', (req) => {
      if (req.url().includes('documents.galleryAccess')) grants++
    })
    page.on('response', (res) => {
      if (res.url().includes('documents.galleryAccess'))
        firstExpiry = Math.min(firstExpiry, Date.now() + 4000)
      if (res.url().includes('/cdn/') && res.status() !== 200) refused.push(String(res.status()))
    })
    await signIn(page, h.server.baseUrl, h.user('ivy'))
    await page.getByLabel('Gallery of images').check()
    const img = page.getByRole('img', { name: 'late.png' })
    await expect.poll(() => img.evaluate((e: HTMLImageElement) => e.naturalWidth)).toBe(1)

    // Past the first cookies' expiry (the server's clock is the rule), renewed meanwhile.
    await expect
      .poll(() => (Date.now() > firstExpiry ? grants : 0), { timeout: SAFETY_MS })
      .toBeGreaterThanOrEqual(3)
    // An image the page has not loaded yet (a new one, shown by asking the list again).
    await uploadImage(await h.api(h.user('ivy')), 'later.png', png)
    await page.getByLabel('Sort').selectOption({ label: 'Oldest first' })
    const later = page.getByRole('img', { name: 'later.png' })
    await expect.poll(() => later.evaluate((e: HTMLImageElement) => e.naturalWidth)).toBe(1)
    expect(refused).toEqual([])
  })
})
