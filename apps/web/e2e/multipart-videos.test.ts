import { describe, expect, it } from 'vitest'
import { chooseFiles, documentRow, signIn } from './support/browser.ts'
import { useBrowser } from './support/harness.ts'
import { SAFETY_MS } from './support/safety.ts'
import { makeVideo, partNumberOf, record } from './support/upload-requests.ts'

// The worker runs the content check, which compares the stored bytes with the declared SHA-256.
const h = useBrowser({ UPLINK_WORKER: 'true' })

const MiB = 1024 * 1024

describe('videos go by presigned multipart', () => {
  it('a video goes up by multipart, straight to S3, and its card says Verified', async () => {
    const { page } = h
    const video = makeVideo('direct.mp4', 1)
    const user = h.user('maya')
    await signIn(page, h.server.baseUrl, user)
    const seen = record(page)
    await chooseFiles(page, [video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    const card = documentRow(page, 'direct.mp4')
    await card.getByText('Ready', { exact: true }).waitFor({ timeout: SAFETY_MS })
    await card.getByText('Verified', { exact: true }).click()
    await card.getByText(video.sha256).waitFor()
    const [doc] = (await (await h.api(user)).documents.list.query()).items
    expect([doc?.method, doc?.sha256, doc?.declaredSha256]).toEqual([
      'multipart',
      video.sha256,
      video.sha256,
    ])
    expect(seen.procedures).toContain('multipart.create')
    expect(seen.procedures).toContain('multipart.complete')
    expect(seen.parts).toEqual([1])
    expect(seen.tus).toEqual([])
  })

  it('after a reload mid-video, resumes by multipart from the parts already in S3 and ends Verified', async () => {
    const { page } = h
    page.on('dialog', (d) => void d.accept())
    const video = makeVideo('resumed.mp4', 5)
    expect(video.size).toBeGreaterThan(16 * MiB)
    const user = h.user('rhea')
    await signIn(page, h.server.baseUrl, user)
    // Part 1 goes through; part 2 is held until the page is gone: the reload comes mid-video.
    let pageLeft = () => {}
    const left = new Promise<void>((resolve) => {
      pageLeft = resolve
    })
    let part1Stored = () => {}
    const stored = new Promise<void>((resolve) => {
      part1Stored = resolve
    })
    await page.route(
      (url) => url.searchParams.has('partNumber'),
      async (route) => {
        if (partNumberOf(route.request()) !== 2) return route.continue()
        await left
        await route.abort().catch(() => {})
      },
    )
    page.on('response', (res) => {
      if (partNumberOf(res.request()) === 1 && res.ok()) part1Stored()
    })
    await chooseFiles(page, [video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    await stored
    await page.reload()
    pageLeft()
    await page.unrouteAll({ behavior: 'ignoreErrors' })

    const seen = record(page)
    const prompt = page.getByText(/Pick resumed\.mp4 again to resume from \d+ %\./)
    await prompt.waitFor()
    await page.getByLabel('Pick resumed.mp4').setInputFiles(video.path)
    const card = documentRow(page, 'resumed.mp4')
    await card.getByText('Ready', { exact: true }).waitFor({ timeout: SAFETY_MS })
    await card.getByText('Verified', { exact: true }).waitFor()
    const docs = (await (await h.api(user)).documents.list.query()).items
    expect(docs.map((d) => [d.method, d.sha256, d.declaredSha256])).toEqual([
      ['multipart', video.sha256, video.sha256],
    ])
    // The same upload, resumed: its parts listed, only the missing one sent, no new upload.
    expect(seen.procedures).toContain('multipart.listParts')
    expect(seen.procedures).not.toContain('multipart.create')
    expect(seen.parts).toEqual([2])
    expect(seen.tus).toEqual([])
  })
})
