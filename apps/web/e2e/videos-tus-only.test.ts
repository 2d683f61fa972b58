import { describe, expect, it } from 'vitest'
import { chooseFiles, documentRow, signIn } from './support/browser.ts'
import { useBrowser } from './support/harness.ts'
import { SAFETY_MS } from './support/safety.ts'
import { TUS_VIDEOS } from './support/tus-videos.ts'
import { makeVideo, record } from './support/upload-requests.ts'

// Videos go by presigned multipart only where their policy allows it.
const h = useBrowser({ ...TUS_VIDEOS, UPLINK_WORKER: 'true' })

describe('a video policy that allows only tus', () => {
  it('still uploads videos by tus, and the card says Verified', async () => {
    const { page } = h
    const video = makeVideo('by-tus.mp4', 1)
    const user = h.user('tess')
    await signIn(page, h.server.baseUrl, user)
    const seen = record(page)
    await chooseFiles(page, [video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    const card = documentRow(page, 'by-tus.mp4')
    await card.getByText('Ready', { exact: true }).waitFor({ timeout: SAFETY_MS })
    await card.getByText('Verified', { exact: true }).waitFor()
    const [doc] = (await (await h.api(user)).documents.list.query()).items
    expect([doc?.method, doc?.sha256]).toEqual(['tus', video.sha256])
    expect(seen.tus).toContain('PATCH')
    expect(seen.procedures.filter((p) => p.startsWith('multipart.'))).toEqual([])
  })
})
