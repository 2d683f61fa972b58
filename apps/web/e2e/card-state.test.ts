import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { chooseFiles, documentRow, signIn } from './support/browser.ts'
import { makeFiles } from './support/files.ts'
import { useBrowser } from './support/harness.ts'
import { holdTusPatches } from './support/hold.ts'
import { networkSwitch } from './support/network.ts'
import { SAFETY_MS } from './support/safety.ts'
import { TUS_VIDEOS } from './support/tus-videos.ts'

const h = useBrowser(TUS_VIDEOS)
// One tus PATCH (2 MiB) is enough: the video's PATCHes are held, the test is about its states.
const files = makeFiles({ videoMiB: 2 })

const speedLine = (page: Page) =>
  page.getByRole('list', { name: 'Upload speed and time left' }).getByRole('listitem')

describe("a pending document's card", () => {
  it('says what its upload says (the one state model), from the moment the upload makes it', async () => {
    const { page } = h
    await signIn(page, h.server.baseUrl, h.user('carla'))
    const held = await holdTusPatches(page)
    await chooseFiles(page, [files.video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    await expect.poll(held.held, { timeout: SAFETY_MS }).toBeGreaterThan(0)
    // The harness stops CSS motion (support/still.ts): Uppy's spinner stands still while the
    // upload runs, so Chromium does not repaint the page 60 times a second for nothing.
    const spinner = page.locator('.uppy-StatusBar-spinner')
    expect(await spinner.evaluate((el) => getComputedStyle(el).animationName)).toBe('none')

    // The upload made its document: the card is there at once, worded as the upload's line.
    const status = documentRow(page, 'clip.mp4').locator('.status')
    await status.filter({ hasText: /^Uploading: \d+ %$/ }).waitFor({ timeout: SAFETY_MS })

    const network = await networkSwitch(h.context, page)
    await network(true)
    const line = speedLine(page).filter({ hasText: 'clip.mp4' })
    await line
      .filter({ hasText: /Paused at \d+ %: you are offline/ })
      .waitFor({ timeout: SAFETY_MS })
    await status.filter({ hasText: /^Paused at \d+ %: you are offline$/ }).waitFor()

    await network(false)
    held.release()
    await status
      .filter({ hasText: /^(Uploaded, being checked|Ready)$/ })
      .waitFor({ timeout: SAFETY_MS })
  })
})
