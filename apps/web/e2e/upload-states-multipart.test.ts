import type { Page, Route } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { chooseFiles, documentRow, signIn } from './support/browser.ts'
import { useBrowser } from './support/harness.ts'
import { networkSwitch } from './support/network.ts'
import { SAFETY_MS } from './support/safety.ts'
import { makeVideo, partNumberOf } from './support/upload-requests.ts'

// Videos go by presigned multipart (the default policy): the states a user sees on that path,
// where the bytes go to S3 and the server is asked only to sign and to complete.
// The worker runs the content check, which compares the stored bytes with the declared SHA-256.
const h = useBrowser({ UPLINK_WORKER: 'true' })

const speedLine = (page: Page) =>
  page.getByRole('list', { name: 'Upload speed and time left' }).getByRole('listitem')
const bar = (page: Page) => page.locator('.uppy-StatusBar')
const isPart = (url: URL) => url.searchParams.has('partNumber') && url.searchParams.has('uploadId')

/** Holds every part PUT to S3 until `release()`. */
async function holdParts(page: Page) {
  let release!: () => void
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  let held = 0
  await page.route(isPart, async (route) => {
    held++
    await released
    await route.continue().catch(() => {})
  })
  return { release, held: () => held }
}

describe('a video by multipart tells the truth at every moment', () => {
  it('while offline: paused in the bar and the speed line, no speed, no time left; then done', async () => {
    const { page } = h
    const video = makeVideo('offline.mp4', 1)
    const user = h.user('otto')
    await signIn(page, h.server.baseUrl, user)
    const parts = await holdParts(page)
    await chooseFiles(page, [video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    await expect.poll(parts.held, { timeout: SAFETY_MS }).toBeGreaterThan(0)

    const network = await networkSwitch(h.context, page)
    await network(true)
    const line = speedLine(page).filter({ hasText: 'offline.mp4' })
    await line
      .filter({ hasText: /Paused at \d+ %: you are offline/ })
      .waitFor({ timeout: SAFETY_MS })
    expect(await line.textContent()).not.toMatch(/\/s|left/)
    await bar(page).filter({ hasText: 'Paused: you are offline' }).waitFor()
    expect(await bar(page).textContent()).not.toMatch(/Uploading/)

    await network(false)
    parts.release()
    const card = documentRow(page, 'offline.mp4')
    await card.getByText('Ready', { exact: true }).waitFor({ timeout: SAFETY_MS })
    await card.getByText('Verified', { exact: true }).waitFor()
  })

  it('while the server is down at the end: waiting, retrying, then done once it is back', async () => {
    const { page } = h
    const video = makeVideo('outage.mp4', 1)
    const user = h.user('uma')
    await signIn(page, h.server.baseUrl, user)
    // The part goes to S3; the server goes down while it travels, so completing needs it back.
    const parts = await holdParts(page)
    let down = false
    let refused = 0
    const refuse = async (route: Route) => {
      refused++
      await route.abort('connectionrefused').catch(() => {})
    }
    const serverRoute = async (route: Route) =>
      down ? refuse(route) : route.continue().catch(() => {})
    await page.route('**/trpc/**', serverRoute)
    await page.route('**/healthz', serverRoute)
    await chooseFiles(page, [video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    await expect.poll(parts.held, { timeout: SAFETY_MS }).toBeGreaterThan(0)
    down = true
    parts.release()

    const banner = page.getByRole('status').filter({ hasText: 'The server is not answering' })
    await banner.waitFor({ timeout: SAFETY_MS })
    const line = speedLine(page).filter({ hasText: 'outage.mp4' })
    await line
      .filter({ hasText: /Waiting for the server \(at \d+ %\): retrying (in \d+ s|now)/ })
      .waitFor({ timeout: SAFETY_MS })
    expect(await line.textContent()).not.toMatch(/\/s|left/)
    expect(refused).toBeGreaterThan(0)

    down = false
    await banner.waitFor({ state: 'detached', timeout: SAFETY_MS })
    const card = documentRow(page, 'outage.mp4')
    await card.getByText('Ready', { exact: true }).waitFor({ timeout: SAFETY_MS })
    await card.getByText('Verified', { exact: true }).waitFor()
  })

  it('says "Finishing" from the last part until the server has completed it, with no speed', async () => {
    const { page } = h
    const video = makeVideo('finishing.mp4', 1)
    await signIn(page, h.server.baseUrl, h.user('fina'))
    let release!: () => void
    const released = new Promise<void>((resolve) => {
      release = resolve
    })
    let completing = false
    // The complete call reaches the server only once the test lets it: the server is busy.
    await page.route('**/trpc/multipart.complete**', async (route) => {
      completing = true
      await released
      await route.continue().catch(() => {})
    })
    const sentParts: number[] = []
    page.on('requestfinished', (req) => {
      const part = partNumberOf(req)
      if (part) sentParts.push(part)
    })
    await chooseFiles(page, [video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    await expect.poll(() => completing, { timeout: SAFETY_MS }).toBe(true)
    expect(sentParts).toEqual([1])
    const line = speedLine(page).filter({ hasText: 'finishing.mp4' })
    await line.filter({ hasText: 'Finishing' }).waitFor({ timeout: SAFETY_MS })
    expect(await line.textContent()).not.toMatch(/\/s|left/)
    await bar(page).filter({ hasText: 'Finishing' }).waitFor()
    release()
    await expect.poll(() => speedLine(page).count(), { timeout: SAFETY_MS }).toBe(0)
    await documentRow(page, 'finishing.mp4')
      .getByText('Ready', { exact: true })
      .waitFor({ timeout: SAFETY_MS })
  })
})
