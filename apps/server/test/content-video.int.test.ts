import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { launchChromium } from '@uplink/testing'
import type { Browser } from 'playwright-core'
import * as tus from 'tus-js-client'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

// A real H.264 MP4 made by ffmpeg, uploaded by tus, played by Debian's Chromium from
// /documents/:id/content with the content cookie (a <video> cannot send Authorization).
let h: Harness
let dir: string
let browser: Browser
let id: string
beforeAll(async () => {
  h = await startHarness()
  dir = await mkdtemp(join(tmpdir(), 'uplink-video-'))
  const mp4 = join(dir, 'clip.mp4')
  await promisify(execFile)('ffmpeg', [
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=duration=6:size=320x240:rate=25',
    '-pix_fmt',
    'yuv420p',
    '-movflags',
    '+faststart',
    mp4,
  ])
  id = await tusUpload(await readFile(mp4))
  browser = await launchChromium()
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await h?.close()
  await rm(dir, { recursive: true, force: true })
})

async function tusUpload(body: Buffer): Promise<string> {
  const token = await h.token('alice')
  let docId: string | null = null
  await new Promise<void>((resolve, reject) => {
    new tus.Upload(body, {
      endpoint: `${h.baseUrl}/files`,
      headers: { Authorization: `Bearer ${token}` },
      metadata: { filename: 'clip.mp4', filetype: 'video/mp4', purpose: 'video' },
      retryDelays: [],
      onAfterResponse: (_req, res) => {
        docId ??= res.getHeader('Uplink-Document-Id') ?? null
      },
      onSuccess: () => resolve(),
      onError: reject,
    }).start()
  })
  return docId!
}

/** The little of the DOM the page functions use (this package compiles without lib.dom). */
interface PageVideo {
  muted: boolean
  preload: string
  src: string
  currentTime: number
  readonly duration: number
  readonly readyState: number
  readonly error: { code: number } | null
  addEventListener(name: string, listener: () => void, options?: { once: boolean }): void
}
declare const document: {
  createElement(tag: 'video'): PageVideo
  body: { append(node: PageVideo): void }
  cookie: string
}

/** Statuses the server logged for GETs of this document's content. */
const contentStatuses = () =>
  h.logs
    .map((line) => JSON.parse(line) as { msg?: string; path?: string; status?: number })
    .filter((l) => l.msg === 'request' && l.path === `/documents/${id}/content`)
    .map((l) => l.status)

it('plays in a <video> element through the content cookie and seeks to 4 s with range requests', async () => {
  const context = await browser.newContext()
  const page = await context.newPage()
  const ranges: string[] = []
  page.on('request', (r) => {
    if (r.url().endsWith('/content')) ranges.push(r.headers().range ?? 'none')
  })
  // Any page of the server's origin; the web app would do the same after sign-in.
  await page.goto(`${h.baseUrl}/healthz`)
  const token = await h.token('alice')
  const result = await page.evaluate(
    async ({ docId, bearer }) => {
      const session = await fetch('/documents/content-session', {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}` },
      })
      if (session.status !== 204) throw new Error(`content-session: ${session.status}`)
      const video = document.createElement('video')
      video.muted = true
      video.preload = 'auto'
      const event = (name: string) =>
        new Promise<void>((resolve, reject) => {
          video.addEventListener(name, () => resolve(), { once: true })
          video.addEventListener(
            'error',
            () => reject(new Error(`video error ${video.error?.code}`)),
            {
              once: true,
            },
          )
        })
      const loaded = event('loadedmetadata')
      video.src = `/documents/${docId}/content`
      document.body.append(video)
      await loaded
      const seeked = event('seeked')
      video.currentTime = 4
      await seeked
      if (video.readyState < 2) await event('canplay')
      return {
        duration: video.duration,
        currentTime: video.currentTime,
        readyState: video.readyState,
        cookieVisible: document.cookie.includes('uplink_content'),
      }
    },
    { docId: id, bearer: token },
  )
  expect(result.duration).toBeCloseTo(6, 0)
  expect(Math.abs(result.currentTime - 4)).toBeLessThan(0.1)
  expect(result.readyState).toBeGreaterThanOrEqual(2)
  // HttpOnly: the page's script never sees the token in the cookie.
  expect(result.cookieVisible).toBe(false)
  // Chromium's media loader asks with Range, and the server answers 206.
  expect(ranges.length).toBeGreaterThan(0)
  expect(ranges.every((r) => r.startsWith('bytes='))).toBe(true)
  expect(contentStatuses()).toContain(206)
  await context.close()
})

it('does not play on a page of another site: SameSite=Strict keeps the cookie home', async () => {
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto(`${h.baseUrl}/healthz`)
  const token = await h.token('alice')
  await page.evaluate(async (bearer) => {
    await fetch('/documents/content-session', {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}` },
    })
  }, token)
  // A page of another site: http://localhost:<port> is not the same site as http://127.0.0.1
  // (RFC 6265bis compares hosts), and both are loopback, so only SameSite decides.
  await page.goto(`${h.baseUrl.replace('127.0.0.1', 'localhost')}/healthz`)
  const before = contentStatuses().length
  const outcome = await page.evaluate(async (src) => {
    const video = document.createElement('video')
    video.muted = true
    const done = new Promise<string>((resolve) => {
      video.addEventListener('loadedmetadata', () => resolve('played'), { once: true })
      video.addEventListener('error', () => resolve(`error ${video.error?.code}`), { once: true })
    })
    video.src = src
    document.body.append(video)
    return done
  }, `${h.baseUrl}/documents/${id}/content`)
  expect(outcome).toMatch(/^error /)
  expect(contentStatuses().slice(before)).toContain(401)
  await context.close()
})
