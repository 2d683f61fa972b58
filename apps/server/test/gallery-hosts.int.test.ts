import { generateKeyPairSync } from 'node:crypto'
import { connect } from 'node:net'
import { freePort } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withDevGalleryKeys } from '../src/dev/gallery-keys.ts'
import { createLogger } from '../src/logger.ts'
import { cookieHeader, galleryAccess, png, uploadImage } from './support/gallery.ts'
import { type Harness, startHarness } from './support/harness.ts'

/** Bob's PDF: the test looks for this marker in every answer alice gets. */
const BOB_BYTES = Buffer.from('%PDF-1.4\n% bob-secret-4c1e9a\n%%EOF\n')
const MARKER = 'bob-secret-4c1e9a'

/**
 * One raw HTTP/1.1 exchange, so the test controls the request line and every header (fetch
 * refuses a Host it did not compute). Resolves with the status and the whole response text.
 */
function rawRequest(port: number, target: string, headers: Record<string, string>, post?: string) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('error', reject)
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1')
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text })
    })
    const all = { ...headers, Connection: 'close' } as Record<string, string>
    if (post !== undefined) {
      all['Content-Type'] = 'application/json'
      all['Content-Length'] = String(Buffer.byteLength(post))
    }
    const lines = Object.entries(all).map(([k, v]) => `${k}: ${v}`)
    const head = `${post === undefined ? 'GET' : 'POST'} ${target} HTTP/1.1\r\n${lines.join('\r\n')}`
    socket.write(`${head}\r\n\r\n${post ?? ''}`)
  })
}

async function uploadPdf(h: Harness, userId: string, bytes: Buffer): Promise<string> {
  const api = await h.client(userId)
  const signed = await api.uploads.presignPut.mutate({
    purpose: 'document',
    filename: 'secret.pdf',
    contentType: 'application/pdf',
    size: bytes.length,
  })
  const put = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: bytes })
  if (put.status !== 200) throw new Error(`PUT answered ${put.status}`)
  await api.uploads.confirm.mutate({ documentId: signed.documentId })
  return signed.documentId
}

const pem = () =>
  generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString()

/**
 * The deployments the issue names: dev signs with an in-memory key and no CDN URL; production
 * verifies for `cdnUrl` (this server's own /cdn unless given).
 */
const setups = [
  { name: 'dev (no UPLINK_CDN_URL), trust proxy off', dev: true, trustProxy: false },
  { name: 'dev (no UPLINK_CDN_URL), trust proxy on', dev: true, trustProxy: true },
  { name: 'production (UPLINK_CDN_URL on this server), trust proxy off', trustProxy: false },
  {
    name: 'production (UPLINK_CDN_URL=https://app.example.com/cdn), trust proxy on',
    trustProxy: true,
    cdnUrl: 'https://app.example.com/cdn',
  },
] as const

describe.each(setups)('GET /cdn/* with a forged Host: $name', (setup) => {
  let h: Harness
  let port: number
  /** What a forged Host imitates: `<host>/cdn`, the start of alice's Resource on old code. */
  let hostPart: string
  let scheme: string
  let aliceCookies: string
  let bobDoc: string
  beforeAll(async () => {
    port = await freePort()
    const cdnUrl = 'cdnUrl' in setup ? setup.cdnUrl : `http://127.0.0.1:${port}/cdn`
    const url = new URL(cdnUrl)
    hostPart = `${url.host}${url.pathname}`
    scheme = url.protocol.slice(0, -1)
    const env: Record<string, string> = { UPLINK_TRUST_PROXY: String(setup.trustProxy) }
    if ('dev' in setup) {
      h = await startHarness(env, {
        port,
        configure: (config) => withDevGalleryKeys(config, createLogger('silent')),
      })
    } else {
      h = await startHarness(
        {
          ...env,
          UPLINK_CDN_URL: cdnUrl,
          UPLINK_CLOUDFRONT_KEY_PAIR_ID: 'KHOSTTEST',
          UPLINK_CLOUDFRONT_PRIVATE_KEY: pem(),
        },
        { port },
      )
    }
    bobDoc = await uploadPdf(h, 'bob', BOB_BYTES)
    const access = await galleryAccess(h.baseUrl, await h.token('alice'))
    expect(access.status).toBe(200)
    aliceCookies = cookieHeader(access.setCookies)
  })
  afterAll(async () => {
    await h?.close()
  })

  const bobPath = () => `/cdn/bob/document/${bobDoc}`
  const refused = (res: { status: number; text: string }) => {
    expect(res.status).toBe(403)
    expect(res.text).not.toContain(MARKER)
  }

  it('refuses bob’s PDF to alice’s cookies whatever Host says', async () => {
    for (const host of [
      `${hostPart}/alice/image/x`,
      `${hostPart}/alice/image/x?`,
      `${hostPart}/alice/image/x#`,
      `${hostPart}/alice/image/x@`,
      `${hostPart}/alice/image/x y`,
      `${hostPart}/alice/image/ /`,
    ]) {
      const res = await rawRequest(port, bobPath(), {
        Host: host,
        Cookie: aliceCookies,
        'X-Forwarded-Proto': scheme,
      })
      expect(res.status, host).toBe(403)
      refused(res)
    }
  })

  it('refuses bob’s PDF whatever X-Forwarded-Host says', async () => {
    const res = await rawRequest(port, bobPath(), {
      Host: `127.0.0.1:${port}`,
      'X-Forwarded-Host': `${hostPart}/alice/image/x`,
      'X-Forwarded-Proto': scheme,
      Cookie: aliceCookies,
    })
    refused(res)
  })

  it('refuses an absolute-form request line naming bob’s PDF', async () => {
    const res = await rawRequest(port, `${scheme}://${hostPart}/bob/document/${bobDoc}`, {
      Host: `${hostPart}/alice/image/x`,
      Cookie: aliceCookies,
      'X-Forwarded-Proto': scheme,
    })
    refused(res)
    const plain = await rawRequest(port, `http://127.0.0.1:${port}${bobPath()}`, {
      Host: `${hostPart}/alice/image/x`,
      Cookie: aliceCookies,
      'X-Forwarded-Proto': scheme,
    })
    refused(plain)
  })

  it('signs nothing wider for galleryAccess called with a forged Host', async () => {
    const forged = `${hostPart}/bob/document/${bobDoc}?`
    const res = await rawRequest(
      port,
      '/trpc/documents.galleryAccess',
      {
        Host: forged,
        'X-Forwarded-Host': forged,
        'X-Forwarded-Proto': scheme,
        Authorization: `Bearer ${await h.token('alice')}`,
      },
      '{}',
    )
    const cookies = [...res.text.matchAll(/^Set-Cookie: ([^;]+)/gim)].map((m) => m[1]).join('; ')
    expect(cookies).toContain('CloudFront-Policy=')
    // On old code the policy was `<forged>/cdn/alice/image/*`, whose `?` matches any one
    // character: this URL then matched it while its path named bob's PDF.
    const attack = await rawRequest(port, `${bobPath()}?/cdn/alice/image/y`, {
      Host: `127.0.0.1:${port}`,
      Cookie: cookies,
    })
    refused(attack)
  })

  it('still serves alice her own image, whatever Host says (the refusals above are not blanket)', async () => {
    const image = png(8, [1, 2, 3])
    const id = await uploadImage(h, 'alice', image)
    const res = await rawRequest(port, `/cdn/alice/image/${id}`, {
      Host: 'evil.example',
      Cookie: aliceCookies,
    })
    expect(res.status).toBe(200)
    expect(res.text).toContain(`Content-Length: ${image.length}`)
  })

  it('refuses bob’s PDF through fetch, the way the issue’s curl sent it', async () => {
    const res = await fetch(`${h.baseUrl}${bobPath()}`, { headers: { cookie: aliceCookies } })
    expect(res.status).toBe(403)
    expect(await res.text()).not.toContain(MARKER)
  })
})
