import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { chooseFiles, signIn } from './support/browser.ts'
import { makeFiles } from './support/files.ts'
import { useBrowser } from './support/harness.ts'
import { TUS_VIDEOS } from './support/tus-videos.ts'

const h = useBrowser(TUS_VIDEOS)
// Four tus PATCHes (8 + 8 + 8 + 1 MiB).
const files = makeFiles({ videoMiB: 25 })
const TUS_CHUNK = 8 * 1024 * 1024
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('base64')

/** When (page clock, ms) the page's requests to /files started and its PATCH bodies were hashed. */
interface Timeline {
  creation: number
  patches: number[]
  /** `uplink:piece-hashed` marks: each PATCH body's CRC32 arriving from the worker. */
  hashed: { start: number; at: number }[]
}

describe('the browser hashes while it uploads (issue #26)', () => {
  it('creates the upload at once, sends the first PATCH before the last body is hashed, and declares the file’s SHA-256 on the last PATCH', async () => {
    const { page } = h
    const { bytes } = files.video
    // Every request of the test stays in the Resource Timing buffer (250 entries by default).
    await page.addInitScript(() => performance.setResourceTimingBufferSize(100_000))
    await signIn(page, h.server.baseUrl, h.user('hana'))
    const patches: { offset: number; reprDigest: string | undefined }[] = []
    page.on('request', (req) => {
      if (req.method() !== 'PATCH') return
      const headers = req.headers()
      patches.push({ offset: Number(headers['upload-offset']), reprDigest: headers['repr-digest'] })
    })
    await chooseFiles(page, [files.video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    const api = await h.api(h.user('hana'))
    await expect
      .poll(async () => (await api.documents.list.query()).items.map((d) => d.status))
      .toEqual(['uploaded'])

    const offsets = [0, 1, 2, 3].map((i) => i * TUS_CHUNK)
    expect(patches).toEqual(
      offsets.map((offset) => ({
        offset,
        reprDigest: offset === 3 * TUS_CHUNK ? `sha-256=:${sha256(bytes)}:` : undefined,
      })),
    )
    const [doc] = (await api.documents.list.query()).items
    expect(doc?.declaredSha256).toBe(sha256(bytes))

    const timeline: Timeline = await page.evaluate(() => {
      const files = performance
        .getEntriesByType('resource')
        .filter((e) => new URL(e.name).pathname.startsWith('/files'))
      return {
        creation: files.find((e) => new URL(e.name).pathname === '/files')?.startTime ?? NaN,
        patches: files
          .filter((e) => new URL(e.name).pathname.startsWith('/files/'))
          .map((e) => e.startTime),
        hashed: performance.getEntriesByName('uplink:piece-hashed').map((e) => ({
          start: (e as PerformanceMark).detail.start as number,
          at: e.startTime,
        })),
      }
    })
    // Each body hashed once.
    expect(timeline.hashed.map((m) => m.start).sort((a, b) => a - b)).toEqual(offsets)
    // Nothing was hashed before the upload was created: creation waited on no hashing.
    expect(Math.min(...timeline.hashed.map((m) => m.at))).toBeGreaterThan(timeline.creation)
    // The first PATCH left before the last body's digest was done: hashing runs with the upload.
    const lastHashed = timeline.hashed.find((m) => m.start === 3 * TUS_CHUNK)?.at ?? NaN
    expect(timeline.patches[0]).toBeLessThan(lastHashed)
  })
})
