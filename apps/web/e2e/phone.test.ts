import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { axeProblems } from './support/axe.ts'
import { chooseFiles, signIn } from './support/browser.ts'
import { makeFiles } from './support/files.ts'
import { useBrowser } from './support/harness.ts'
import { holdTusPatches } from './support/hold.ts'
import { SAFETY_MS } from './support/safety.ts'
import { overflows, smallTargets } from './support/targets.ts'
import { TUS_VIDEOS } from './support/tus-videos.ts'

const h = useBrowser(TUS_VIDEOS)
// One tus PATCH (2 MiB) is enough: the test is about the tiles and bar at each stage.
const files = makeFiles({ videoMiB: 2 })
const longName = `${'quarterly-report-final-version-2-reviewed-by-legal'.repeat(4)}.html`
const longPath = join(files.dir, longName)
writeFileSync(longPath, '<!doctype html><p>no</p>')

const PHONE = { width: 390, height: 844 }
const DESK = { width: 1280, height: 800 }

/** At both sizes: no serious axe issue; on the phone also no overflow and no small target. */
async function checkBoth(page: Page, name: string) {
  for (const viewport of [DESK, PHONE]) {
    await page.setViewportSize(viewport)
    expect(await axeProblems(page), `${name} at ${viewport.width}px`).toEqual([])
  }
  expect(await overflows(page), `${name} overflows at 390px`).toBe(false)
  expect(await smallTargets(page), `${name}: targets under 44 px`).toEqual([])
}

describe('on a phone (390 px) and a desktop', () => {
  it('a long refusal wraps, Dismiss stays on screen, every target is at least 44 px', async () => {
    const { page } = h
    await page.setViewportSize(PHONE)
    await signIn(page, h.server.baseUrl, h.user('petra'))
    await checkBoth(page, 'workspace')
    await chooseFiles(page, [longPath])
    await page.getByText(/which Uplink does not accept/).waitFor()
    await checkBoth(page, 'refusal')
    const dismiss = page.getByRole('button', { name: /Dismiss the message/ })
    const box = await dismiss.boundingBox()
    expect(box && box.x + box.width <= PHONE.width).toBe(true)
  })

  it('one file chosen, uploading and uploaded: Uppy tiles and bar pass axe and are big enough', async () => {
    const { page } = h
    await page.setViewportSize(PHONE)
    await signIn(page, h.server.baseUrl, h.user('paul'))
    const held = await holdTusPatches(page)
    await chooseFiles(page, [files.video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).waitFor()
    await checkBoth(page, 'one file chosen')
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    await expect.poll(held.held, { timeout: SAFETY_MS }).toBeGreaterThan(0)
    await page.getByRole('button', { name: /pause/i }).first().waitFor()
    await checkBoth(page, 'uploading')
    held.release()
    await page.locator('.uppy-Dashboard-Item.is-complete').waitFor({ timeout: SAFETY_MS })
    await checkBoth(page, 'uploaded')
  })
})
