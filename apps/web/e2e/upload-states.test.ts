import type { Page, Request, Route } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { chooseFiles, signIn } from './support/browser.ts'
import { makeFiles } from './support/files.ts'
import { useBrowser } from './support/harness.ts'
import { holdTusPatches } from './support/hold.ts'
import { networkSwitch } from './support/network.ts'
import { SAFETY_MS } from './support/safety.ts'
import { TUS_VIDEOS } from './support/tus-videos.ts'

const h = useBrowser(TUS_VIDEOS)
const TUS_CHUNK = 8 * 1024 * 1024
// One tus PATCH (2 MiB) is enough: each test holds or refuses it (the last PATCH is the first).
const files = makeFiles({ videoMiB: 2 })

const speedLine = (page: Page) =>
  page.getByRole('list', { name: 'Upload speed and time left' }).getByRole('listitem')
const bar = (page: Page) => page.locator('.uppy-StatusBar')

/**
 * A server that can be switched off: while down, every tus request and `/healthz` is refused
 * (connection refused, as a killed server). The first PATCH is held until the switch.
 */
async function switchableServer(page: Page) {
  let down = false
  let goDown!: () => void
  const wentDown = new Promise<void>((resolve) => {
    goDown = resolve
  })
  let patches = 0
  let refused = 0
  const refuse = async (route: Route) => {
    refused++
    await route.abort('connectionrefused').catch(() => {})
  }
  await page.route('**/files/**', async (route) => {
    if (down) return refuse(route)
    if (route.request().method() === 'PATCH' && patches++ === 0) {
      await wentDown
      return refuse(route)
    }
    await route.continue().catch(() => {})
  })
  await page.route('**/healthz', async (route) =>
    down ? refuse(route) : route.continue().catch(() => {}),
  )
  return {
    patches: () => patches,
    refused: () => refused,
    stop() {
      down = true
      goDown()
    },
    start() {
      down = false
    },
  }
}

describe('an upload tells the truth at every moment', () => {
  it('while offline: paused in the bar and the speed line, no speed, no time left', async () => {
    const { page } = h
    await signIn(page, h.server.baseUrl, h.user('olga'))
    const held = await holdTusPatches(page)
    await chooseFiles(page, [files.video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    await expect.poll(held.held, { timeout: SAFETY_MS }).toBeGreaterThan(0)
    await speedLine(page).filter({ hasText: 'clip.mp4' }).waitFor()

    const network = await networkSwitch(h.context, page)
    await network(true)
    const line = speedLine(page).filter({ hasText: 'clip.mp4' })
    await line
      .filter({ hasText: /Paused at \d+ %: you are offline/ })
      .waitFor({ timeout: SAFETY_MS })
    expect(await line.textContent()).not.toMatch(/\/s|left/)
    await bar(page).filter({ hasText: 'Paused: you are offline' }).waitFor()
    expect(await bar(page).textContent()).not.toMatch(/Uploading/)

    await network(false)
    held.release()
    const client = await h.api(h.user('olga'))
    await expect
      .poll(async () => (await client.documents.list.query()).items.map((d) => d.status), {
        timeout: SAFETY_MS,
      })
      .toEqual(['uploaded'])
  })

  it('while the server is down: waiting, retrying in N s, Retry now; back within 2 s of it', async () => {
    const { page } = h
    await page.clock.install()
    await signIn(page, h.server.baseUrl, h.user('sven'))
    const server = await switchableServer(page)
    // Probes sent and not yet answered.
    let probesOut = 0
    page.on('request', (req) => req.url().includes('/healthz') && probesOut++)
    const answered = (req: Request) => req.url().includes('/healthz') && probesOut--
    page.on('requestfailed', answered)
    page.on('requestfinished', answered)
    await chooseFiles(page, [files.video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    await expect.poll(server.patches, { timeout: SAFETY_MS }).toBeGreaterThan(0)
    server.stop()

    const banner = page.getByRole('status').filter({ hasText: 'The server is not answering' })
    await banner.waitFor({ timeout: SAFETY_MS })
    expect(await banner.textContent()).toMatch(/retrying (in [0-2] s|now)/)
    const line = speedLine(page).filter({ hasText: 'clip.mp4' })
    await line
      .filter({ hasText: /Waiting for the server \(at \d+ %\): retrying (in \d s|now)/ })
      .waitFor()
    expect(await line.textContent()).not.toMatch(/\/s|left/)
    await bar(page).filter({ hasText: 'Waiting for the server' }).waitFor()

    // With the page's clock stopped, a probe can only come from the button.
    // (A margin: the page's time moves on while this call travels, and the past is refused.)
    await page.clock.pauseAt((await page.evaluate(() => Date.now())) + 5000)
    // A probe the jump started has had its answer; one page millisecond on, only the button
    // probes, and its answer is known by the time it schedules the next (1 ms apart).
    await expect.poll(() => probesOut, { timeout: SAFETY_MS }).toBe(0)
    await page.clock.runFor(1)
    const clickedAt = await page.evaluate(() => Date.now())
    const probe = page.waitForRequest('**/healthz', { timeout: SAFETY_MS })
    await banner.getByRole('button', { name: 'Retry now' }).click()
    await probe
    // The page has taken the refused probe in (the next is due 2 s of page time later) before
    // the server comes back: else that answer could land after the clock moved on.
    const nextProbeAt = () => page.locator('.server-status').getAttribute('data-next-probe-at')
    await expect.poll(nextProbeAt, { timeout: SAFETY_MS }).toBe(String(clickedAt + 2000))

    // The server is back; 2 s of page time later the page knows it (probes back off to 2 s).
    server.start()
    await page.clock.runFor(2000)
    await expect.poll(() => banner.count(), { timeout: SAFETY_MS }).toBe(0)
    await page.clock.resume()
    // The upload carries on: the next PATCH reaches the server (a loaded machine may take
    // minutes for the whole file, which other tests already prove).
    await expect.poll(server.patches, { timeout: SAFETY_MS }).toBeGreaterThan(1)
    await line.filter({ hasText: /Waiting for the server/ }).waitFor({ state: 'detached' })
  })

  it('says "Finishing" from the last byte until the server answers, with no speed', async () => {
    const { page } = h
    await page.clock.install()
    await signIn(page, h.server.baseUrl, h.user('fred'))
    // /healthz answers at once until every byte is sent; then, as a busy server (completing
    // and checking the upload) may, not at all. The page's own markers split the probes into
    // before and after (requests reach the route in the order the page sent them).
    let finishing = false
    let probes = 0
    await page.route('**/healthz**', async (route) => {
      const url = route.request().url()
      if (url.includes('marker-start')) finishing = true
      else if (finishing && !url.includes('marker-end')) probes++
      if (!finishing) return route.fulfill({ status: 200, body: 'ok' }).catch(() => {})
      await route.abort('connectionrefused').catch(() => {})
    })
    const marker = (name: string) =>
      page.evaluate(
        (n) =>
          fetch(`/healthz?${n}`).then(
            () => {},
            () => {},
          ),
        name,
      )
    // The last PATCH is sent for real (so the browser counts every byte); its answer is held,
    // as while the server completes the S3 upload and checks it.
    const cdp = await h.context.newCDPSession(page)
    let release!: () => void
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    let lastHeld = false
    cdp.on('Fetch.requestPaused', async (event) => {
      const offset = Number(event.request.headers['Upload-Offset'] ?? -1)
      const last =
        event.request.method === 'PATCH' && offset + TUS_CHUNK >= files.video.bytes.length
      if (last) {
        lastHeld = true
        await released
      }
      await cdp.send('Fetch.continueRequest', { requestId: event.requestId }).catch(() => {})
    })
    await cdp.send('Fetch.enable', {
      patterns: [{ urlPattern: '*/files/*', requestStage: 'Response' }],
    })
    await chooseFiles(page, [files.video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    await expect.poll(() => lastHeld, { timeout: SAFETY_MS }).toBe(true)
    const line = speedLine(page).filter({ hasText: 'clip.mp4' })
    await line.filter({ hasText: 'Finishing' }).waitFor({ timeout: SAFETY_MS })
    expect(await line.textContent()).not.toMatch(/\/s|left/)
    await bar(page).filter({ hasText: 'Finishing' }).waitFor()
    // A quiet line while finishing is no stall: no probe, so no "server down" and no restart
    // that would cut the held last request short (the flake of an upload that completed while
    // its last answer was held). 10 s of page time pass at once, between the two markers.
    await marker('marker-start')
    await page.clock.runFor(10_000)
    await marker('marker-end')
    expect(probes).toBe(0)
    expect(await line.textContent()).toMatch(/Finishing/)
    release()
    await expect.poll(() => speedLine(page).count(), { timeout: SAFETY_MS }).toBe(0)
  })
})
