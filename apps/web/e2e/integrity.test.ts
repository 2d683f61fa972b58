import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'
import type { Page, Request } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { chooseFiles, signIn } from './support/browser.ts'
import { makeFiles } from './support/files.ts'
import { throttleTus, useBrowser } from './support/harness.ts'
import { SAFETY_MS } from './support/safety.ts'
import { TUS_VIDEOS } from './support/tus-videos.ts'

const h = useBrowser(TUS_VIDEOS)
// Three tus PATCHes (8 + 8 + 1 MiB): a full one to damage and retry, one after it, a short last.
const files = makeFiles({ videoMiB: 17 })
const TUS_CHUNK = 8 * 1024 * 1024
const { bytes } = files.video

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('base64')
/** tus clients' crc32: base64 of the 4-byte big-endian value. */
const crc32Base64 = (b: Uint8Array) => {
  const out = Buffer.alloc(4)
  out.writeUInt32BE(crc32(b))
  return out.toString('base64')
}
/** What the browser must send as Upload-Checksum for the PATCH at `offset`. */
const expectedChecksum = (offset: number) =>
  `crc32 ${crc32Base64(bytes.subarray(offset, offset + TUS_CHUNK))}`
/** What the last PATCH must declare as the whole file's digest (RFC 9530 Repr-Digest). */
const expectedReprDigest = () => `sha-256=:${sha256(bytes)}:`
/** Whether the PATCH at `offset` is the one that ends the file. */
const isLast = (offset: number) => offset + TUS_CHUNK >= bytes.length
/** tus Upload-Metadata: `key base64(value)` pairs. */
function metadata(header: string | undefined): Record<string, string> {
  const pairs = (header ?? '').split(',').map((pair) => pair.trim().split(' '))
  return Object.fromEntries(pairs.map(([k, v]) => [k, Buffer.from(v ?? '', 'base64').toString()]))
}

/** Every tus request the page sends, with the headers that matter here and the answer. */
function recordTus(page: Page) {
  const sent: {
    method: string
    offset: number
    checksum?: string
    reprDigest?: string
    meta?: string
    /** The answer's status, or why no answer came (a failed request is recorded too). */
    status?: number | string
  }[] = []
  const record = async (req: Request, failed: boolean) => {
    if (!new URL(req.url()).pathname.startsWith('/files')) return
    const headers = await req.allHeaders()
    sent.push({
      method: req.method(),
      offset: Number(headers['upload-offset'] ?? -1),
      checksum: headers['upload-checksum'],
      reprDigest: headers['repr-digest'],
      meta: headers['upload-metadata'],
      status: failed ? `failed: ${req.failure()?.errorText}` : (await req.response())?.status(),
    })
  }
  page.on('requestfinished', (req) => void record(req, false))
  page.on('requestfailed', (req) => void record(req, true))
  return sent
}

/** The recorded PATCHes once `count` of them are in (answers are recorded asynchronously). */
async function patchesWhen(sent: ReturnType<typeof recordTus>, count: number) {
  const patches = () => sent.filter((r) => r.method === 'PATCH')
  await expect.poll(() => patches().length, { timeout: SAFETY_MS }).toBeGreaterThanOrEqual(count)
  return patches()
}

/** The one document of `userId` once its status is `status`. */
async function documentOf(userId: string, status: string) {
  const api = await h.api(userId)
  await expect
    .poll(async () => (await api.documents.list.query()).items.map((d) => d.status), {
      timeout: SAFETY_MS,
    })
    .toEqual([status])
  const [doc] = (await api.documents.list.query()).items
  if (!doc) throw new Error('no document')
  return { doc, api }
}

/** The stored object's bytes, through a fresh download URL. */
async function storedSha256(userId: string, id: string) {
  const { url } = await (await h.api(userId)).documents.downloadUrl.query({ id })
  return sha256(new Uint8Array(await (await fetch(url)).arrayBuffer()))
}

/** Replaces the body of the PATCH requests `damage` picks with zeros of the same length. */
async function damagePatches(page: Page, damage: (nth: number) => boolean) {
  let nth = 0
  await page.route('**/files/**', async (route) => {
    const req = route.request()
    if (req.method() !== 'PATCH' || !damage(nth++)) return route.continue().catch(() => {})
    const offset = Number(await req.headerValue('upload-offset'))
    const length = Math.min(TUS_CHUNK, bytes.length - offset)
    await route.continue({ postData: Buffer.alloc(length) }).catch(() => {})
  })
}

describe('integrity from the browser (tus)', () => {
  it('every PATCH carries the CRC32 of its body, and the last one the whole file’s SHA-256, which is stored as declared', async () => {
    const { page } = h
    await signIn(page, h.server.baseUrl, h.user('ines'))
    const sent = recordTus(page)
    await chooseFiles(page, [files.video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    const { doc } = await documentOf(h.user('ines'), 'uploaded')

    // Created at once: the whole file's digest is not in the metadata (nothing hashed yet).
    const post = sent.find((r) => r.method === 'POST')
    expect(Object.keys(metadata(post?.meta)).sort()).toEqual(['filename', 'filetype', 'purpose'])
    const patches = await patchesWhen(sent, 3)
    expect(patches.map((p) => [p.offset, p.status, p.reprDigest])).toEqual([
      [0, 204, undefined],
      [TUS_CHUNK, 204, undefined],
      [2 * TUS_CHUNK, 204, expectedReprDigest()],
    ])
    for (const p of patches) expect(p.checksum).toBe(expectedChecksum(p.offset))
    expect(doc.declaredSha256).toBe(sha256(bytes))
    expect(await storedSha256(h.user('ines'), doc.id)).toBe(sha256(bytes))
  })

  it('a PATCH body damaged on the way is refused with 460 and sent again; the stored file is whole', async () => {
    const { page } = h
    await signIn(page, h.server.baseUrl, h.user('jules'))
    const sent = recordTus(page)
    await damagePatches(page, (nth) => nth === 1)
    await chooseFiles(page, [files.video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    const { doc } = await documentOf(h.user('jules'), 'uploaded')

    const patches = await patchesWhen(sent, 4)
    expect(patches.map((p) => [p.offset, p.status])).toEqual([
      [0, 204],
      [TUS_CHUNK, 460],
      [TUS_CHUNK, 204],
      [2 * TUS_CHUNK, 204],
    ])
    expect(await storedSha256(h.user('jules'), doc.id)).toBe(sha256(bytes))
  })

  it('a body that arrives damaged every time fails the file, saying why on its tile', async () => {
    const { page } = h
    await signIn(page, h.server.baseUrl, h.user('kira'))
    const sent = recordTus(page)
    await damagePatches(page, () => true)
    await chooseFiles(page, [files.video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()

    const tile = page.locator('.uppy-Dashboard-Item', { hasText: 'clip.mp4' })
    const details = tile.locator('.uppy-Dashboard-Item-errorDetails')
    await details.waitFor({ timeout: SAFETY_MS })
    expect(await details.getAttribute('aria-label')).toMatch(
      /^the bytes kept arriving damaged .* 3 times in a row\) and none of them were kept; check the connection, then retry$/,
    )
    expect((await patchesWhen(sent, 3)).map((p) => p.status)).toEqual([460, 460, 460])
    const { api } = await documentOf(h.user('kira'), 'pending')
    expect((await api.documents.list.query()).items[0]?.size).toBe(bytes.length)
  })

  it('after a reload, the resumed upload still sends a correct Upload-Checksum with every PATCH and the whole file’s Repr-Digest last', async () => {
    const { page } = h
    page.on('dialog', (d) => void d.accept())
    await signIn(page, h.server.baseUrl, h.user('lars'))
    const sent = recordTus(page)
    await throttleTus(page, 1500)
    await chooseFiles(page, [files.video.path])
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    await expect
      .poll(() => sent.filter((r) => r.method === 'PATCH').length, { timeout: SAFETY_MS })
      .toBeGreaterThan(0)
    await page.reload()
    await page.unrouteAll({ behavior: 'ignoreErrors' })
    const before = sent.length
    await page.getByLabel('Pick clip.mp4').setInputFiles(files.video.path)
    const { doc } = await documentOf(h.user('lars'), 'uploaded')

    const after = sent.slice(before)
    expect(after[0]?.method).toBe('HEAD')
    expect(after.map((r) => r.method)).not.toContain('POST')
    const patches = after.filter((r) => r.method === 'PATCH')
    expect(patches.length).toBeGreaterThan(0)
    expect(patches[0]?.offset).toBeGreaterThan(0)
    // The whole file's digest, rebuilt from the bytes sent before the reload too.
    for (const p of patches) {
      expect([p.status, p.checksum, p.reprDigest]).toEqual([
        204,
        expectedChecksum(p.offset),
        isLast(p.offset) ? expectedReprDigest() : undefined,
      ])
    }
    expect(doc.declaredSha256).toBe(sha256(bytes))
    expect(await storedSha256(h.user('lars'), doc.id)).toBe(sha256(bytes))
  })
})
