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
    // Every text each line shows, with when, recorded in the page as it renders: a poll from
    // here can miss the seconds a speed is shown when the machine is loaded.
    await page.evaluate(() => {
      type Shown = { at: number; text: string }
      const shown: Record<string, Shown[]> = {}
      const w = window as unknown as { shownStats: typeof shown; statsGoneAt?: number }
      w.shownStats = shown
      const record = () => {
        const lines = document.querySelectorAll('ul.transfer-stats > li')
        if (lines.length === 0 && shown.batch) w.statsGoneAt ??= performance.now()
        for (const li of lines) {
          const text = li.textContent ?? ''
          const name = text.startsWith('All files') ? 'batch' : text.split(' ')[0]!
          const texts = shown[name] ?? []
          if (texts.at(-1)?.text !== text) shown[name] = [...texts, { at: performance.now(), text }]
        }
      }
      record()
      new MutationObserver(record).observe(document.body, {
        subtree: true,
        childList: true,
        characterData: true,
      })
    })
    await page.getByRole('button', { name: 'Upload 2 files' }).click()
    type Shown = { at: number; text: string }
    const recorded = () =>
      page.evaluate(() => {
        const w = window as unknown as {
          shownStats: Record<string, Shown[]>
          statsGoneAt?: number
        }
        return { shown: w.shownStats, goneAt: w.statsGoneAt }
      })
    // The lines were shown, and went once every file was done.
    await expect
      .poll(async () => (await recorded()).goneAt !== undefined, { timeout: SAFETY_MS })
      .toBe(true)
    const { shown, goneAt } = await recorded()
    const batch = shown.batch ?? []
    expect(batch[0]?.text).toContain('—')
    expect(batch.map((s) => s.text)).toContainEqual(
      expect.stringMatching(
        /^All files [\d.]+ (KiB|MiB)\/s · (about \d+ (s|min)|under a second) left/,
      ),
    )
    expect(shown['clip.mp4']?.map((s) => s.text)).toContainEqual(
      expect.stringMatching(
        /^clip\.mp4 (—|[\d.]+ (bytes|KiB|MiB)\/s) · (—|about \d+ (s|min)|under a second) left/,
      ),
    )
    // Honest: no time left is over 10× (+10 s) the time the uploads then really took — Uppy's
    // own estimate said "8–22 h" for a 40 s batch (1000×). The bound is loose because wall time
    // is what is compared: on a machine loaded 30× over, progress events come in bursts.
    for (const { at, text } of Object.values(shown).flat()) {
      const left = /about (\d+) (s|min|h)/.exec(text)
      if (!left) continue
      // The least the rounded text stands for ("about 2 min" is 90 s or more: rate-meter.ts
      // rounds to the nearest unit), so a rounding never reads as a lie.
      const unit = { s: 1, min: 60, h: 3600 }[left[2] as 's' | 'min' | 'h']
      const estimate = (Number(left[1]) - 0.5) * unit
      const actual = (goneAt! - at) / 1000
      expect(estimate, `"${text}" with ${actual.toFixed(1)} s to go`).toBeLessThanOrEqual(
        10 * actual + 10,
      )
    }
    // Uppy's own estimate (which said "8–22 h" for a 40 s batch) is not shown beside ours.
    expect(await page.locator('.uppy-StatusBar-additionalInfo').count()).toBe(0)
  })
})
