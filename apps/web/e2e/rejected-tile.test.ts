import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { chooseFiles, documentRow, signIn } from './support/browser.ts'
import { useBrowser } from './support/harness.ts'
import { SAFETY_MS } from './support/safety.ts'
import { TUS_VIDEOS } from './support/tus-videos.ts'

// The worker runs the content check, which compares the stored bytes with the declared SHA-256.
const h = useBrowser({ ...TUS_VIDEOS, UPLINK_WORKER: 'true' })

/** A 2-second WebM made by ffmpeg: a real video, so only the digest can fail the check. */
function makeVideo(name: string): { path: string; sha256: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'uplink-e2e-rejected-')), name)
  execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-f', 'lavfi'],
    ...['-i', 'testsrc=duration=2:size=160x120:rate=10', '-c:v', 'libvpx', '-b:v', '200k', path],
  ])
  return { path, sha256: createHash('sha256').update(readFileSync(path)).digest('base64') }
}

describe('a document rejected after its bytes arrived', () => {
  it('fails its tile with the reason its card gives, instead of showing it done; Retry sends it anew', async () => {
    const { page } = h
    const video = makeVideo('lying.webm')
    const wrong = createHash('sha256').update('other bytes').digest('base64')
    await signIn(page, h.server.baseUrl, h.user('lena'))
    // The last PATCH declares another file's digest (as a lying or broken client would).
    let creations = 0
    await page.route('**/files', (route) => {
      if (route.request().method() === 'POST') creations++
      return route.continue()
    })
    await page.route('**/files/**', async (route) => {
      const req = route.request()
      if (req.method() !== 'PATCH' || !req.headers()['repr-digest']) return route.continue()
      await route.continue({ headers: { ...req.headers(), 'repr-digest': `sha-256=:${wrong}:` } })
    })
    await chooseFiles(page, [video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()

    const reason = `the stored bytes have SHA-256 ${video.sha256} but the client declared ${wrong}`
    const card = documentRow(page, 'lying.webm')
    await card.getByText(`Rejected: ${reason}`).waitFor({ timeout: SAFETY_MS })

    // The tile tells the same truth: failed, with the reason, and not finished.
    const tile = page.locator('.uppy-Dashboard-Item', { hasText: 'lying.webm' })
    await expect
      .poll(async () => (await tile.getAttribute('class')) ?? '', { timeout: SAFETY_MS })
      .toMatch(/\bis-error\b/)
    expect(await tile.getAttribute('class')).not.toMatch(/\bis-complete\b/)
    expect(await tile.locator('.uppy-Dashboard-Item-errorDetails').getAttribute('aria-label')).toBe(
      reason,
    )
    // The batch's bar does not claim the upload is complete either.
    await page.locator('.uppy-StatusBar.is-error').waitFor({ timeout: SAFETY_MS })

    // Retry sends the file again as a new upload (resuming would only find the rejected one).
    await tile.getByRole('button', { name: 'Retry upload' }).click()
    const api = await h.api(h.user('lena'))
    await expect
      .poll(async () => (await api.documents.list.query()).items.map((d) => d.status), {
        timeout: SAFETY_MS,
      })
      .toEqual(['rejected', 'rejected'])
    expect(creations).toBe(2)
    await expect
      .poll(async () => (await tile.getAttribute('class')) ?? '', { timeout: SAFETY_MS })
      .toMatch(/\bis-error\b/)
  })
})
