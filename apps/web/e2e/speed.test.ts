import { describe, expect, it } from 'vitest'
import { chooseFiles, signIn } from './support/browser.ts'
import { makeFiles } from './support/files.ts'
import { throttleTus, useBrowser } from './support/harness.ts'
import { SAFETY_MS } from './support/safety.ts'

const h = useBrowser()
const files = makeFiles()

describe('speed and time left', () => {
  it('shows "—" until there is signal, then a smoothed speed and an honest time for each file and the batch', async () => {
    const { page } = h
    await signIn(page, h.server.baseUrl, h.user('uma'))
    // 8 MiB every 2 s per file: about 4 MiB/s each, 50 MiB in all, so seconds, never hours.
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
      .poll(read, { timeout: SAFETY_MS })
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
