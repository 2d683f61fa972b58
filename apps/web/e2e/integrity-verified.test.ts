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

/** A 2-second WebM made by ffmpeg: a real video, so the content check can make it ready. */
function makeVideo(name: string): { path: string; sha256: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'uplink-e2e-integrity-')), name)
  execFileSync('ffmpeg', [
    ...['-loglevel', 'error', '-f', 'lavfi'],
    ...['-i', 'testsrc=duration=2:size=160x120:rate=10', '-c:v', 'libvpx', '-b:v', '200k', path],
  ])
  return { path, sha256: createHash('sha256').update(readFileSync(path)).digest('base64') }
}

describe('the card tells whether the stored bytes are the ones the browser sent', () => {
  it('shows Verified, with the SHA-256 on demand, when the server’s digest is the declared one', async () => {
    const { page } = h
    const video = makeVideo('verified.webm')
    await signIn(page, h.server.baseUrl, h.user('vic'))
    await chooseFiles(page, [video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    const card = documentRow(page, 'verified.webm')
    await card.getByText('Ready', { exact: true }).waitFor({ timeout: SAFETY_MS })
    const verified = card.getByText('Verified', { exact: true })
    await verified.click()
    await card.getByText(video.sha256).waitFor()
    const [doc] = (await (await h.api(h.user('vic'))).documents.list.query()).items
    expect([doc?.sha256, doc?.declaredSha256]).toEqual([video.sha256, video.sha256])
  })

  it('rejects the document, saying why on its card, when the stored bytes differ from the declared SHA-256', async () => {
    const { page } = h
    const video = makeVideo('tampered.webm')
    const wrong = createHash('sha256').update('other bytes').digest('base64')
    await signIn(page, h.server.baseUrl, h.user('wes'))
    // The last PATCH declares another file's digest (as a lying or broken client would).
    await page.route('**/files/**', async (route) => {
      const req = route.request()
      if (req.method() !== 'PATCH' || !req.headers()['repr-digest']) return route.continue()
      await route.continue({ headers: { ...req.headers(), 'repr-digest': `sha-256=:${wrong}:` } })
    })
    await chooseFiles(page, [video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    const card = documentRow(page, 'tampered.webm')
    await card
      .getByText(
        `Rejected: the stored bytes have SHA-256 ${video.sha256} but the client declared ${wrong}`,
      )
      .waitFor({ timeout: SAFETY_MS })
    expect(await card.getByText('Verified', { exact: true }).count()).toBe(0)
  })
})
