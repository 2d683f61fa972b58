import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { axeProblems } from './support/axe.ts'
import { chooseFiles, documentRow, signIn } from './support/browser.ts'
import { useBrowser } from './support/harness.ts'
import { SAFETY_MS } from './support/safety.ts'

// The worker runs (content checks, then ffprobe and the poster) on a real, playable video.
const h = useBrowser({ UPLINK_WORKER: 'true' })

// The documents section: the Uploader's own list of sent files is screens.test.ts's business.
const DOCUMENTS = 'section[aria-labelledby="documents-heading"]'

/** A 2-second 160×120 WebM (VP8) made by ffmpeg: plays in any Chromium build. */
function makeVideo(): string {
  const path = join(mkdtempSync(join(tmpdir(), 'uplink-e2e-video-')), 'talk.webm')
  execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=duration=2:size=160x120:rate=10',
    '-c:v',
    'libvpx',
    '-b:v',
    '200k',
    path,
  ])
  return path
}

describe('videos in My documents', () => {
  it('shows the poster, duration and size, and plays and seeks through /documents/:id/content', async () => {
    const { page } = h
    const content: number[] = []
    page.on('response', (res) => {
      if (/\/documents\/[^/]+\/content$/.test(new URL(res.url()).pathname)) {
        content.push(res.status())
      }
    })
    await signIn(page, h.server.baseUrl, h.user('vera'))
    await chooseFiles(page, [makeVideo()])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    const card = documentRow(page, 'talk.webm')
    await card.getByText('0:02 · 160×120').waitFor({ timeout: SAFETY_MS })
    await card.scrollIntoViewIfNeeded()
    const poster = card.getByRole('img', { name: 'Poster of talk.webm' })
    await expect.poll(() => poster.evaluate((e: HTMLImageElement) => e.naturalWidth)).toBe(160)
    expect(await axeProblems(page, DOCUMENTS)).toEqual([])

    await card.getByRole('button', { name: 'Play' }).click()
    const video = card.locator('video')
    expect(await video.getAttribute('src')).toMatch(/^\/documents\/[^/]+\/content$/)
    await expect
      .poll(() => video.evaluate((v: HTMLVideoElement) => v.readyState), { timeout: SAFETY_MS })
      .toBeGreaterThanOrEqual(1)
    expect(await video.evaluate((v: HTMLVideoElement) => v.duration)).toBeCloseTo(2, 0)
    // Seeking asks for a range: the cookie stands in for the bearer header.
    await video.evaluate(
      (v: HTMLVideoElement) =>
        new Promise<void>((resolve, reject) => {
          v.addEventListener('seeked', () => resolve(), { once: true })
          v.addEventListener('error', () => reject(new Error('video error')), { once: true })
          v.currentTime = 1.5
        }),
    )
    expect(content.length).toBeGreaterThan(0)
    expect(content.every((s) => s === 200 || s === 206)).toBe(true)
    expect(await axeProblems(page, DOCUMENTS)).toEqual([])

    // Signed out: the content cookie is cleared, the video is no longer readable.
    const src = await video.getAttribute('src')
    await page.getByRole('button', { name: 'Sign out' }).click()
    await page.getByLabel('Sign in as').waitFor()
    await expect
      .poll(() => page.evaluate((u) => fetch(u ?? '').then((r) => r.status), src))
      .toBe(401)
  })
})
