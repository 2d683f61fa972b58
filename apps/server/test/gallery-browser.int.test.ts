import { generateKeyPairSync } from 'node:crypto'
import { freePort, launchChromium } from '@uplink/testing'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { png, uploadImage } from './support/gallery.ts'
import { type Harness, startHarness } from './support/harness.ts'

let h: Harness
let browser: Browser
let origin: string
beforeAll(async () => {
  const port = await freePort()
  // Chromium counts http://localhost as secure, so it keeps Secure cookies from it.
  origin = `http://localhost:${port}`
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  h = await startHarness(
    {
      UPLINK_CDN_URL: `${origin}/cdn`,
      UPLINK_CLOUDFRONT_KEY_PAIR_ID: 'KBROWSERTEST',
      UPLINK_CLOUDFRONT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    },
    { port },
  )
  browser = await launchChromium()
}, 120_000)
afterAll(async () => {
  await browser?.close()
  await h?.close()
})

/** What the page reports for each `<img>` once it has loaded or failed. */
interface Tile {
  id: string
  loaded: boolean
  naturalWidth: number
}

/** The bits of the DOM the page script uses (this package compiles without lib.dom). */
interface PageImage {
  src: string
  naturalWidth: number
  onload: (() => void) | null
  onerror: (() => void) | null
}
interface PageDocument {
  cookie: string
  createElement(tag: 'img'): PageImage
  getElementById(id: string): { append(node: PageImage): void } | null
}

describe('a gallery page in Chromium', () => {
  it('loads the user’s images through the signed cookies and not another user’s', async () => {
    const mine = await Promise.all(
      [
        [220, 40, 40],
        [40, 220, 40],
        [40, 40, 220],
        [200, 200, 0],
      ].map((rgb, i) => uploadImage(h, 'alice', png(10 + i, rgb as [number, number, number]))),
    )
    const theirs = await uploadImage(h, 'bob', png(10, [0, 0, 0]))
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      // A blank page on the app's origin; the script below is what the web app will do.
      await page.route(`${origin}/gallery`, (route) =>
        route.fulfill({ contentType: 'text/html', body: '<!doctype html><main id="grid"></main>' }),
      )
      await page.goto(`${origin}/gallery`)
      const token = await h.token('alice')
      const result = await page.evaluate(
        async ({ token, mine, theirs }) => {
          const res = await fetch('/trpc/documents.galleryAccess', {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: '{}',
          })
          const { document } = globalThis as unknown as { document: PageDocument }
          const body = (await res.json()) as {
            result: { data: { baseUrl: string; prefix: string } }
          }
          const { baseUrl, prefix } = body.result.data
          const grid = document.getElementById('grid')
          if (!grid) throw new Error('the page has no grid')
          const urls = [
            ...mine.map((id: string) => ({ id, src: `${baseUrl}/${prefix}${id}` })),
            { id: theirs, src: `${baseUrl}/bob/image/${theirs}` },
          ]
          const tiles = await Promise.all(
            urls.map(
              ({ id, src }) =>
                new Promise<Tile>((resolve) => {
                  const img = document.createElement('img')
                  img.onload = () => resolve({ id, loaded: true, naturalWidth: img.naturalWidth })
                  img.onerror = () => resolve({ id, loaded: false, naturalWidth: img.naturalWidth })
                  img.src = src
                  grid.append(img)
                }),
            ),
          )
          return { status: res.status, tiles, scriptCookies: document.cookie }
        },
        { token, mine, theirs },
      )
      expect(result.status).toBe(200)
      // HttpOnly: the page's scripts never see them.
      expect(result.scriptCookies).toBe('')
      expect(result.tiles.filter((t) => mine.includes(t.id))).toEqual(
        mine.map((id, i) => ({ id, loaded: true, naturalWidth: 10 + i })),
      )
      expect(result.tiles.find((t) => t.id === theirs)).toEqual({
        id: theirs,
        loaded: false,
        naturalWidth: 0,
      })
      const kept = await context.cookies(origin)
      expect(kept.map((c) => [c.name, c.httpOnly, c.secure, c.sameSite]).sort()).toEqual([
        ['CloudFront-Key-Pair-Id', true, true, 'Lax'],
        ['CloudFront-Policy', true, true, 'Lax'],
        ['CloudFront-Signature', true, true, 'Lax'],
      ])
    } finally {
      await context.close()
    }
  }, 60_000)
})
