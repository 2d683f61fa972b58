import type { Route } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { chooseFiles, signIn } from './support/browser.ts'
import { makeFiles } from './support/files.ts'
import { throttleTus, useBrowser } from './support/harness.ts'
import { networkSwitch } from './support/network.ts'
import { SAFETY_MS } from './support/safety.ts'
import { TUS_VIDEOS } from './support/tus-videos.ts'

const h = useBrowser(TUS_VIDEOS)
// Three tus PATCHes (8 + 8 + 1 MiB): one done before the outage, more after it.
const files = makeFiles({ videoMiB: 17 })

describe('network loss', () => {
  it('shows the offline state during an outage and resumes the throttled upload by itself', async () => {
    const { page } = h
    // The page's timers run on a clock the test can move (its retries' waits below).
    await page.clock.install()
    await signIn(page, h.server.baseUrl, h.user('nina'))
    await throttleTus(page, 1000)
    let patched = 0
    page.on('requestfinished', (req) => {
      if (req.method() === 'PATCH') patched++
    })
    await chooseFiles(page, [files.video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    await expect.poll(() => patched, { timeout: SAFETY_MS }).toBeGreaterThanOrEqual(1)

    const network = await networkSwitch(h.context, page)
    await network(true)
    const status = page.getByRole('status').filter({ hasText: /offline/ })
    await status.waitFor({ timeout: SAFETY_MS })
    expect(await status.textContent()).toContain('will continue by themselves')
    // Longer than the first retries: the old client would have spent most of its attempts.
    await page.clock.fastForward(12_000)
    const patchedWhileOffline = patched
    await network(false)
    await page.getByText('Back online').waitFor({ timeout: SAFETY_MS })

    const client = await h.api(h.user('nina'))
    await expect
      .poll(async () => (await client.documents.list.query()).items.map((d) => d.status), {
        timeout: SAFETY_MS,
      })
      .toEqual(['uploaded'])
    expect(patched).toBeGreaterThan(patchedWhileOffline)
    expect(await page.getByText(/failed|firewall/i).count()).toBe(0)
  })

  it('retries a document by itself after storage answers 503 and a proxy answers 502 to confirm', async () => {
    const { page } = h
    await signIn(page, h.server.baseUrl, h.user('omar'))
    const failOnce = (status: number) => {
      let failed = false
      return async (route: Route) => {
        if (failed || route.request().method() === 'OPTIONS') return route.continue()
        failed = true
        await route.fulfill({
          status,
          headers: { 'access-control-allow-origin': '*' },
          contentType: 'text/html',
          body: '<h1>Service unavailable</h1>',
        })
      }
    }
    const puts = failOnce(503)
    await page.route(
      (url) => !url.href.startsWith(h.server.baseUrl),
      (route) => (route.request().method() === 'PUT' ? puts(route) : route.continue()),
    )
    await page.route('**/trpc/uploads.confirm*', failOnce(502))
    await chooseFiles(page, [files.pdf.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    const client = await h.api(h.user('omar'))
    await expect
      .poll(async () => (await client.documents.list.query()).items.map((d) => d.status), {
        timeout: SAFETY_MS,
      })
      .toEqual(['uploaded'])
  })
})
