import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { axeProblems } from './support/axe.ts'
import { signIn } from './support/browser.ts'
import { makeFiles } from './support/files.ts'
import { useBrowser } from './support/harness.ts'
import { uploadImage } from './support/seed.ts'

// Zero CDN config: the dev server signs with an in-memory key for <origin>/cdn.
const h = useBrowser({ UPLINK_RATE_LIMIT_UPLOADS: 'off' })
const png = makeFiles().png.bytes

/** Counts the page's galleryAccess calls and the /cdn answers by status. */
function watch(page: Page) {
  const seen = { grants: 0, cdn: [] as number[] }
  page.on('request', (req) => {
    if (req.url().includes('documents.galleryAccess')) seen.grants++
  })
  page.on('response', (res) => {
    if (new URL(res.url()).pathname.startsWith('/cdn/')) seen.cdn.push(res.status())
  })
  return seen
}

const images = (page: Page) => page.getByRole('list', { name: 'Gallery' }).getByRole('img')
/** Widths of the gallery's images as decoded (0 while not loaded or refused). */
const widths = (page: Page) =>
  images(page).evaluateAll((els) => els.map((e) => (e as HTMLImageElement).naturalWidth))

async function openGallery(page: Page) {
  await page.getByLabel('Gallery of images').check()
}

describe('gallery view', () => {
  it("shows the user's images from the CDN with one galleryAccess call, no URL per image", async () => {
    const api = await h.api(h.user('gina'))
    const ids = [
      await uploadImage(api, 'a.png', png),
      await uploadImage(api, 'b.png', png),
      await uploadImage(api, 'c.png', png),
    ]
    const otherId = await uploadImage(await h.api(h.user('oscar')), 'secret.png', png)
    const { page } = h
    const seen = watch(page)
    await signIn(page, h.server.baseUrl, h.user('gina'))
    await openGallery(page)
    await expect.poll(() => widths(page)).toEqual([1, 1, 1])
    const srcs = await images(page).evaluateAll((els) => els.map((e) => e.getAttribute('src')))
    expect(srcs.sort()).toEqual(
      ids.map((id) => `${h.server.baseUrl}/cdn/${h.user('gina')}/image/${id}`).sort(),
    )
    expect(await images(page).first().getAttribute('loading')).toBe('lazy')
    expect(seen.grants).toBe(1)
    expect(await page.content()).not.toMatch(/X-Amz-Signature|Policy=/i)
    expect(await axeProblems(page)).toEqual([])

    // The cookies cover this user's images only; without them the CDN refuses.
    const fetchStatus = (url: string) =>
      page.evaluate((u) => fetch(u, { credentials: 'include' }).then((r) => r.status), url)
    expect(await fetchStatus(`${h.server.baseUrl}/cdn/${h.user('oscar')}/image/${otherId}`)).toBe(
      403,
    )
    expect((await fetch(`${h.server.baseUrl}/cdn/${h.user('gina')}/image/${ids[0]}`)).status).toBe(
      403,
    )
  })

  it('renews the cookies once when images are refused, and shows them', async () => {
    const api = await h.api(h.user('hugo'))
    await uploadImage(api, 'one.png', png)
    const { page, context } = h
    const seen = watch(page)
    await signIn(page, h.server.baseUrl, h.user('hugo'))
    await openGallery(page)
    await expect.poll(() => widths(page)).toEqual([1])
    expect(seen.grants).toBe(1)

    // Cookies gone (as when they expire): images not loaded yet are refused with 403.
    await context.clearCookies({ name: /^CloudFront-/ })
    await uploadImage(api, 'two.png', png)
    await uploadImage(api, 'three.png', png)
    await page.getByLabel('Sort').selectOption({ label: 'Oldest first' })
    await expect.poll(() => widths(page)).toEqual([1, 1, 1])
    expect(seen.cdn.filter((s) => s === 403).length).toBeGreaterThanOrEqual(1)
    // The refusals shared one renewal.
    expect(seen.grants).toBe(2)
  })
})
