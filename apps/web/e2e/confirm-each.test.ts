import { describe, expect, it } from 'vitest'
import { chooseFiles, signIn } from './support/browser.ts'
import { makeFiles } from './support/files.ts'
import { useBrowser } from './support/harness.ts'
import { holdTusPatches } from './support/hold.ts'
import { SAFETY_MS } from './support/safety.ts'
import { TUS_VIDEOS } from './support/tus-videos.ts'

const h = useBrowser(TUS_VIDEOS)
// One tus PATCH (2 MiB), held: the video is still uploading for as long as each test looks.
const files = makeFiles({ videoMiB: 2 })

describe('each file on its own', () => {
  it('confirms a PDF as soon as its own upload ends, while a video in the batch still uploads', async () => {
    const { page } = h
    await signIn(page, h.server.baseUrl, h.user('ivy'))
    await holdTusPatches(page)
    await chooseFiles(page, [files.pdf.path, files.video.path])
    await page.getByRole('button', { name: 'Upload 2 files' }).click()
    const client = await h.api(h.user('ivy'))
    await expect
      .poll(
        async () =>
          (await client.documents.list.query()).items.find((d) => d.filename === 'report.pdf')
            ?.status,
        { timeout: SAFETY_MS },
      )
      .toBe('uploaded')
    const clip = (await client.documents.list.query()).items.find((d) => d.filename === 'clip.mp4')
    expect(clip?.status).toBe('pending')
  })

  it('cancel terminates the tus upload (DELETE) and deletes the unsent PDF it cancelled', async () => {
    const { page } = h
    await signIn(page, h.server.baseUrl, h.user('jack'))
    await holdTusPatches(page)
    // The PDF's PUT to storage never answers: it is still in flight when the user cancels.
    await page.route(
      (url) => !url.href.startsWith(h.server.baseUrl),
      async (route) => {
        if (route.request().method() !== 'PUT') return route.continue()
        // Held until the test is over (its page closes), then dropped.
        await new Promise((r) => page.once('close', r))
        await route.abort().catch(() => {})
      },
    )
    const deletes: string[] = []
    let patching = false
    page.on('request', (req) => {
      const path = new URL(req.url()).pathname
      if (req.method() === 'PATCH') patching = true
      if (req.method() === 'DELETE' && path.startsWith('/files/')) deletes.push('tus')
      if (path.includes('documents.delete')) deletes.push('document')
    })
    await chooseFiles(page, [files.pdf.path, files.video.path])
    await page.getByRole('button', { name: 'Upload 2 files' }).click()
    const client = await h.api(h.user('jack'))
    await expect
      .poll(async () => (await client.documents.list.query()).items.length, { timeout: SAFETY_MS })
      .toBe(2)
    // The server makes the tus row on POST, but the page can DELETE the upload only once the
    // POST's answer (its URL) has arrived, i.e. when the first PATCH goes out.
    await expect.poll(() => patching, { timeout: SAFETY_MS }).toBe(true)
    await page.getByRole('button', { name: 'Cancel', exact: true }).first().click()
    await expect.poll(() => deletes.sort(), { timeout: SAFETY_MS }).toEqual(['document', 'tus'])
    await expect
      .poll(async () => (await client.documents.list.query()).items.map((d) => d.status), {
        timeout: SAFETY_MS,
      })
      .not.toContain('pending')
  })
})
