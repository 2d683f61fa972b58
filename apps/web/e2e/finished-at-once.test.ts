import { describe, expect, it } from 'vitest'
import { chooseFiles, signIn } from './support/browser.ts'
import { makeFiles } from './support/files.ts'
import { useBrowser } from './support/harness.ts'
import { holdTusPatches } from './support/hold.ts'
import { SAFETY_MS } from './support/safety.ts'
import { TUS_VIDEOS } from './support/tus-videos.ts'

const h = useBrowser(TUS_VIDEOS)
// One tus PATCH (2 MiB) is enough: the video is held while the small files finish.
const files = makeFiles({ videoMiB: 2 })

describe('a batch with a long video', () => {
  it('shows each small file finished as soon as it is, while the video is still uploading', async () => {
    const { page } = h
    await signIn(page, h.server.baseUrl, h.user('fiona'))
    const video = await holdTusPatches(page)
    await chooseFiles(page, [files.pdf.path, files.png.path, files.video.path])
    await page.getByRole('button', { name: 'Upload 3 files' }).click()
    await expect.poll(video.held, { timeout: SAFETY_MS }).toBeGreaterThan(0)

    const tile = (name: string) => page.locator('.uppy-Dashboard-Item', { hasText: name })
    for (const name of ['report.pdf', 'photo.png']) {
      await expect
        .poll(async () => (await tile(name).getAttribute('class')) ?? '', { timeout: SAFETY_MS })
        .toMatch(/\bis-complete\b/)
    }
    // The video is still held: the finished tiles did not wait for the batch.
    expect(await tile('clip.mp4').getAttribute('class')).not.toMatch(/\bis-complete\b/)
    const client = await h.api(h.user('fiona'))
    const statuses = (await client.documents.list.query()).items
      .map((d) => `${d.filename}:${d.status}`)
      .sort()
    expect(statuses).toContain('report.pdf:uploaded')
    expect(statuses).toContain('photo.png:uploaded')

    video.release()
    await expect
      .poll(async () => (await tile('clip.mp4').getAttribute('class')) ?? '', {
        timeout: SAFETY_MS,
      })
      .toMatch(/\bis-complete\b/)
  })
})
