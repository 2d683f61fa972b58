import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { type IncomingMessage, request } from 'node:http'
import { contentDisposition, defaultPolicies } from '@uplink/core'
import { freePort, testServices } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cookieHeader, galleryAccess, png, uploadImage } from './support/gallery.ts'
import { type Harness, startHarness } from './support/harness.ts'
import { type S3Tap, startS3Tap } from './support/s3-tap.ts'

// Streamed downloads (/documents/:id/content and /cdn/<key>) between a real versitygw and a
// real client, with a tap on the S3 side that counts, watches and cuts S3's connections.
const MiB = 1024 * 1024
const SIZE = 64 * MiB

let tap: S3Tap
let h: Harness
let cdn: string
let id: string
let body: Buffer
beforeAll(async () => {
  tap = await startS3Tap(testServices().s3.endpoint)
  const port = await freePort()
  cdn = `http://127.0.0.1:${port}/cdn`
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const policies = { ...defaultPolicies, image: { ...defaultPolicies.image, maxBytes: SIZE } }
  h = await startHarness(
    {
      S3_ENDPOINT: tap.endpoint,
      UPLINK_POLICIES: JSON.stringify(policies),
      UPLINK_CDN_URL: cdn,
      UPLINK_CLOUDFRONT_KEY_PAIR_ID: 'KTESTSTREAM1',
      UPLINK_CLOUDFRONT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    },
    { port },
  )
  const head = png(4, [10, 20, 30])
  body = Buffer.concat([head, randomBytes(SIZE - head.length)])
  id = await uploadImage(h, 'alice', body)
}, 180_000)
afterAll(async () => {
  await h?.close()
  await tap?.close()
})

type Path = 'content' | 'cdn'

async function open(path: Path, headers: Record<string, string> = {}) {
  const url =
    path === 'content' ? `${h.baseUrl}/documents/${id}/content` : `${cdn}/alice/image/${id}`
  const auth =
    path === 'content'
      ? { authorization: `Bearer ${await h.token('alice')}` }
      : {
          cookie: cookieHeader((await galleryAccess(h.baseUrl, await h.token('alice'))).setCookies),
        }
  const req = request(url, { headers: { ...auth, ...headers } })
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve).on('error', reject).end()
  })
  return { req, res }
}

/** Reads a response to its end or its failure: the bytes, and whether it ended complete. */
function drain(res: IncomingMessage): Promise<{ bytes: Buffer; complete: boolean }> {
  const chunks: Buffer[] = []
  return new Promise((resolve) => {
    res.on('data', (c: Buffer) => chunks.push(c))
    res.on('error', () => {})
    res.on('close', () => resolve({ bytes: Buffer.concat(chunks), complete: res.complete }))
  })
}

async function until(what: string, check: () => boolean, ms = 120_000) {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

const cases: { name: string; path: Path; range?: [number, number] }[] = [
  { name: '/content 200', path: 'content' },
  { name: '/content 206', path: 'content', range: [MiB + 7, SIZE - 3] },
  { name: '/cdn 200', path: 'cdn' },
]

describe('a streamed download', () => {
  it.each(cases)(
    '$name: S3 closing mid-body ends the response short of its Content-Length, never as a complete answer',
    async ({ path, range }) => {
      const [start, end] = range ?? [0, SIZE - 1]
      const cutAt = 5 * MiB + 123
      const cut = tap.cutAfter(cutAt)
      const { res } = await open(path, range ? { range: `bytes=${start}-${end}` } : {})
      expect(res.statusCode).toBe(range ? 206 : 200)
      expect(res.headers['content-length']).toBe(String(end - start + 1))
      const got = await drain(res)
      await cut
      expect(got.complete).toBe(false)
      // S3's response headers came before the body: fewer body bytes than were cut at.
      expect(got.bytes.length).toBeLessThan(cutAt)
      expect(got.bytes.equals(body.subarray(start, start + got.bytes.length))).toBe(true)
      // The next download is whole: nothing of the cut connection is reused.
      const again = await open(path, range ? { range: `bytes=${start}-${end}` } : {})
      const whole = await drain(again.res)
      expect(whole.complete).toBe(true)
      expect(whole.bytes.equals(body.subarray(start, end + 1))).toBe(true)
    },
  )

  it.each(cases)(
    '$name: a client that leaves mid-body closes the S3 connection of its GET',
    async ({ path, range }) => {
      const baseline = new Map(tap.connections.map((c) => [c, c.bytesFromTarget]))
      const sent = (c: S3Tap['connections'][number]) => c.bytesFromTarget - (baseline.get(c) ?? 0)
      const { req, res } = await open(path, range ? { range: `bytes=${range[0]}-${range[1]}` } : {})
      expect(res.statusCode).toBe(range ? 206 : 200)
      await new Promise((r) => res.once('data', r))
      res.pause()
      const reading = () =>
        tap.connections.filter((c) => sent(c) > MiB).sort((a, b) => sent(b) - sent(a))[0]
      await until('S3 sends the body', () => reading() !== undefined)
      const get = reading()!
      // Back-pressure first: with the client paused, S3 stops well before the end.
      let last = -1
      await until('S3 stops sending', () => {
        const stalled = sent(get) === last
        last = sent(get)
        return stalled
      })
      expect(sent(get)).toBeLessThan(SIZE / 2)
      req.destroy()
      await until('the S3 connection of the GET closes', () => !get.open)
      expect(sent(get)).toBeLessThan(SIZE / 2)
    },
  )

  it('answers /content and /cdn with exactly the headers it answered before', async () => {
    const names = (res: IncomingMessage) =>
      Object.keys(res.headers)
        .filter((n) => !['date', 'connection', 'keep-alive', 'x-request-id'].includes(n))
        .sort()
    const content = await open('content')
    const ranged = await open('content', { range: 'bytes=0-99' })
    const viaCdn = await open('cdn')
    for (const r of [content, ranged, viaCdn]) r.req.destroy()
    expect(names(content.res)).toEqual([
      'accept-ranges',
      'cache-control',
      'content-disposition',
      'content-length',
      'content-type',
      'etag',
      'last-modified',
      'x-content-type-options',
    ])
    expect(names(ranged.res)).toEqual([...names(content.res), 'content-range'].sort())
    expect(content.res.headers['cache-control']).toBe('private, no-store')
    expect(content.res.headers['x-content-type-options']).toBe('nosniff')
    expect(content.res.headers['content-disposition']).toBe(
      contentDisposition('inline', 'photo.png'),
    )
    expect(content.res.headers['content-type']).toBe('image/png')
    expect(content.res.headers['content-length']).toBe(String(SIZE))
    expect(ranged.res.headers['content-range']).toBe(`bytes 0-99/${SIZE}`)
    expect(viaCdn.res.headers['cache-control']).toBe('private')
    expect(viaCdn.res.headers['content-type']).toBe('image/png')
    expect(viaCdn.res.headers['x-content-type-options']).toBe('nosniff')
    expect(names(viaCdn.res)).toEqual([
      'cache-control',
      'content-length',
      'content-type',
      'etag',
      'last-modified',
      'x-content-type-options',
    ])
    expect(viaCdn.res.headers.etag).toBe(content.res.headers.etag)
    expect(viaCdn.res.headers['last-modified']).toBe(content.res.headers['last-modified'])
  })
})
