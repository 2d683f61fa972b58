import { describe, expect, it } from 'vitest'
import { chooseFiles, signIn } from './support/browser.ts'
import { makeFiles } from './support/files.ts'
import { throttleTus, useBrowser } from './support/harness.ts'
import { SAFETY_MS } from './support/safety.ts'
import { TUS_VIDEOS } from './support/tus-videos.ts'

const h = useBrowser(TUS_VIDEOS)
// clip.mp4 in three PATCHes (8 + 8 + 1 MiB, one every 2 s) beside holiday.mp4's three (20 MiB):
// a speed from the first answer on, with seconds of upload left to show it.
const files = makeFiles({ videoMiB: 17 })

describe('speed and time left', () => {
  it('shows "—" until there is signal, then a smoothed speed and an honest time for each file and the batch', async () => {
    const { page } = h
    await signIn(page, h.server.baseUrl, h.user('uma'))
    // 8 MiB every 2 s per file: about 4 MiB/s each, 37 MiB in all, so seconds, never hours.
    await throttleTus(page, 2000)
    await chooseFiles(page, [files.video.path, files.video2.path])
    await page.getByRole('button', { name: 'Upload 2 files' }).click()
    const stats = page.getByRole('list', { name: 'Upload speed and time left' })
    const batch = stats.getByRole('listitem').filter({ hasText: 'All files' })
    await batch.waitFor()
    const seen = new Set<string>()
    const read = async () => {
      const text = (await batch.textContent().catch(() => null)) ?? ''
      if (text) seen.add(text)
      return text
    }
    expect(await read()).toContain('—')
    await expect
      // Every 50 ms (not the suite's 200): each try also records a text the page showed.
      .poll(read, { timeout: SAFETY_MS, interval: 50 })
      .toMatch(/All files [\d.]+ MiB\/s · (about \d+ s|under a second) left/)
    const clip = stats.getByRole('listitem').filter({ hasText: 'clip.mp4' })
    expect(await clip.textContent()).toMatch(
      /clip\.mp4 (—|[\d.]+ (bytes|KiB|MiB)\/s) · (—|about \d+ s|under a second) left/,
    )
    // Uppy's own estimate (which said "8–22 h" for a 40 s batch) is not shown beside ours.
    expect(await page.locator('.uppy-StatusBar-additionalInfo').count()).toBe(0)
    await expect.poll(() => stats.count(), { timeout: SAFETY_MS }).toBe(0)
    for (const text of seen) expect(text).not.toMatch(/\d+ h|min/)
  })
})
