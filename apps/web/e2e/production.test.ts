import { generateKeyPairSync } from 'node:crypto'
import { createTRPCClient, httpLink } from '@trpc/client'
import type { AppRouter } from '@uplink/api'
import type { Browser } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { uploadImage } from './support/seed.ts'
import { JWT_SECRET, type RunningServer, startServer } from './support/server.ts'
import { sharedChromium, sharedServer } from './support/shared.ts'

let server: RunningServer
let browser: Browser

/** A configured CDN (gallery images): its origin must be in the page's img-src. */
const CDN_URL = 'https://cdn.uplink.example'
const cdnEnv = {
  UPLINK_CDN_URL: CDN_URL,
  UPLINK_CLOUDFRONT_KEY_PAIR_ID: 'K2E2ETEST',
  UPLINK_CLOUDFRONT_PRIVATE_KEY: generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString(),
}

beforeAll(async () => {
  ;[server, browser] = await Promise.all([sharedServer(cdnEnv, 'production'), sharedChromium()])
})

async function get(path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${server.baseUrl}${path}`, { headers, redirect: 'manual' })
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() }
}

describe('the production server', () => {
  it('serves the built web app at / and for client routes, never over API paths', async () => {
    const html = { accept: 'text/html' }
    const index = await get('/', html)
    expect(index.status).toBe(200)
    expect(index.body).toContain('<div id="root">')
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(index.body)?.[1]
    expect((await get(script ?? '/missing')).status).toBe(200)
    expect((await get('/some/client/route', html)).body).toContain('<div id="root">')

    for (const path of [
      '/trpc/documents.list',
      '/files/abc',
      '/documents/abc/download',
      '/documents/abc/content',
      '/documents/content-session',
      '/cdn/abc/image/def',
      '/dev/auth',
    ]) {
      const res = await get(path, html)
      expect(res.type, path).not.toContain('text/html')
      expect(res.body, path).not.toContain('<div id="root">')
      expect(res.status, path).toBeGreaterThanOrEqual(400)
    }
    expect(await get('/healthz', html)).toMatchObject({ status: 200, body: '{"ok":true}' })
    // Neither UPLINK_METRICS_TOKEN nor UPLINK_METRICS_PORT: /metrics is a 404, and so is any
    // unknown path under the server's prefixes, in the catalogue's JSON shape (or a 405).
    for (const path of ['/metrics', '/documents', '/documents/nope/deeper', '/cdn', '/api/nope']) {
      const res = await get(path, html)
      // POST /documents is documented: a GET there is 405 method_not_allowed (with Allow).
      expect(res.status, path).toBe(path === '/documents' ? 405 : 404)
      expect(res.type, path).toMatch(/^application\/json/)
      // /api/* is answered by the OpenAPI adapter, in its own JSON.
      if (path !== '/api/nope') expect(JSON.parse(res.body), path).toHaveProperty('requestId')
    }
  })

  it('sends a strict CSP and the usual security headers with the page, and Chromium reports no violation', async () => {
    const res = await fetch(`${server.baseUrl}/`, { headers: { accept: 'text/html' } })
    const csp = res.headers.get('content-security-policy') ?? ''
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).toContain("frame-ancestors 'none'")
    expect(csp).toMatch(/connect-src 'self' http:\/\/127\.0\.0\.1:\d+/)
    // Posters are signed GETs of the bucket; gallery images come from the CDN; video from /content.
    expect(csp).toMatch(
      /img-src 'self' blob: data: http:\/\/127\.0\.0\.1:\d+ [^;]*https:\/\/cdn\.uplink\.example(;|$)/,
    )
    expect(csp).toContain("media-src 'self'")
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    expect(res.headers.get('referrer-policy')).toBe('no-referrer')
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin')
    const page = await browser.newPage()
    const violations: string[] = []
    page.on('console', (msg) => {
      if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text())
    })
    await page.goto(server.baseUrl)
    await page.getByText('Open Uplink from your application').waitFor()
    expect(violations).toEqual([])
    await page.close()
  })

  it('has no dev sign-in: /dev/token is a 404 and the page asks for the host app', async () => {
    const res = await fetch(`${server.baseUrl}/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId: 'mallory' }),
    })
    expect(res.status).toBe(404)
    const page = await browser.newPage()
    await page.goto(server.baseUrl)
    await page.getByText('Open Uplink from your application').waitFor()
    expect(await page.getByLabel('Sign in as').count()).toBe(0)
    await page.close()
  })

  it('signs in with a token handed over in the URL fragment, then drops it from the address', async () => {
    const { signDevToken } = await import('@uplink/api')
    const token = await signDevToken(JWT_SECRET, 'hank')
    const page = await browser.newPage()
    await page.goto(`${server.baseUrl}/#token=${token}`)
    await page.getByText('Signed in as hank').waitFor()
    await page.getByText('No documents yet').waitFor()
    expect(page.url()).toBe(`${server.baseUrl}/`)
    await page.close()
  })
})

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
)

describe('the gallery in production', () => {
  /**
   * Signs `userId` in through the URL fragment, with one image so the list and its controls
   * show, and waits for the server's answer on whether there is a gallery.
   */
  async function openDocuments(target: RunningServer, userId: string) {
    const { signDevToken } = await import('@uplink/api')
    const token = await signDevToken(JWT_SECRET, userId)
    const api = createTRPCClient<AppRouter>({
      links: [
        httpLink({ url: `${target.baseUrl}/trpc`, headers: { authorization: `Bearer ${token}` } }),
      ],
    })
    await uploadImage(api, 'photo.png', PNG)
    const page = await browser.newPage()
    const answered = page
      .waitForResponse((r) => r.url().includes('documents.galleryAvailable'))
      .then((r) => expect(r.status()).toBe(200))
    await page.goto(`${target.baseUrl}/#token=${token}`)
    await page.getByText('photo.png').first().waitFor()
    await page.getByLabel('Search by name').waitFor()
    // Whichever comes first: the server's answer, or a gallery switch shown without asking.
    await Promise.race([answered, page.getByLabel('Gallery of images').waitFor()])
    return page
  }

  it('is offered where a CDN is configured', async () => {
    const page = await openDocuments(server, 'ivy')
    await page.getByLabel('Gallery of images').waitFor()
    await page.close()
  })

  it('is not offered, and no server variable is shown, without a CDN', async () => {
    const bare = await startServer({}, 'production')
    try {
      const page = await openDocuments(bare, 'jack')
      expect(await page.getByLabel('Gallery of images').count()).toBe(0)
      expect(await page.getByText('Show as').count()).toBe(0)
      expect(await page.content()).not.toMatch(/UPLINK_|CLOUDFRONT/)
      await page.close()
    } finally {
      await bare.stop()
    }
  })
})
