import { createHash, createPublicKey, generateKeyPairSync, verify } from 'node:crypto'
import { freePort } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withDevGalleryKeys } from '../src/dev/gallery-keys.ts'
import { DEV_CDN_URL } from '../src/env-cdn.ts'
import { createLogger } from '../src/logger.ts'
import { cookieHeader, craftedCookies, galleryAccess, png, uploadImage } from './support/gallery.ts'
import { type Harness, startHarness } from './support/harness.ts'

const KEY_PAIR_ID = 'KTESTGALLERY1'
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const publicKey = createPublicKey(privateKey)

let h: Harness
let cdn: string
beforeAll(async () => {
  const port = await freePort()
  cdn = `http://127.0.0.1:${port}/cdn`
  h = await startHarness(
    {
      UPLINK_CDN_URL: cdn,
      UPLINK_CLOUDFRONT_KEY_PAIR_ID: KEY_PAIR_ID,
      UPLINK_CLOUDFRONT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      UPLINK_CDN_COOKIE_TTL: '300',
      // Behind one proxy: the client's address is the entry that proxy appended.
      UPLINK_TRUST_PROXY: 'true',
    },
    { port },
  )
})
afterAll(async () => {
  // Cookie values are bearer tokens: never in a log line.
  expect(h.logs.join('\n')).not.toContain('CloudFront-Signature=')
  await h.close()
})

/** CloudFront's URL-safe base64 back to bytes. */
const decode = (text: string) =>
  Buffer.from(text.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64')

async function cookiesOf(userId: string): Promise<string> {
  const access = await galleryAccess(h.baseUrl, await h.token(userId))
  expect(access.status).toBe(200)
  return cookieHeader(access.setCookies)
}

const getCdn = (path: string, cookie: string, headers: Record<string, string> = {}) =>
  fetch(`${cdn}/${path}`, { headers: { cookie, ...headers } })
const sha = (bytes: Buffer | ArrayBuffer) =>
  createHash('sha256')
    .update(Buffer.from(bytes as ArrayBuffer))
    .digest('hex')
/** A confirmed `document` (PDF) of `userId`: a purpose the gallery never grants. */
async function presignedPdf(userId: string): Promise<string> {
  const api = await h.client(userId)
  const body = Buffer.from('%PDF-1.4\n%%EOF\n')
  const signed = await api.uploads.presignPut.mutate({
    purpose: 'document',
    filename: 'a.pdf',
    contentType: 'application/pdf',
    size: body.length,
  })
  await fetch(signed.url, { method: 'PUT', headers: signed.headers, body })
  await api.uploads.confirm.mutate({ documentId: signed.documentId })
  return signed.documentId
}
const epochIn = (seconds: number) => Math.floor(Date.now() / 1000) + seconds

describe('documents.galleryAccess', () => {
  it('sets HttpOnly, Secure, SameSite=Lax CloudFront cookies whose policy verifies with the public key', async () => {
    const before = Date.now()
    const access = await galleryAccess(h.baseUrl, await h.token('alice'))
    expect(access.status).toBe(200)
    const data = access.body.result!.data
    expect(data).toMatchObject({ baseUrl: cdn, prefix: 'alice/image/' })
    const expiresAt = Date.parse(data.expiresAt)
    expect(expiresAt).toBeGreaterThan(before + 290_000)
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 300_000)

    const byName = Object.fromEntries(
      access.setCookies.map((line) => {
        const [pair, ...attributes] = line.split('; ')
        const at = pair!.indexOf('=')
        return [pair!.slice(0, at), { value: pair!.slice(at + 1), attributes }]
      }),
    )
    expect(Object.keys(byName).sort()).toEqual([
      'CloudFront-Key-Pair-Id',
      'CloudFront-Policy',
      'CloudFront-Signature',
    ])
    for (const cookie of Object.values(byName)) {
      // The API answers on the CDN's own host here: a host-only cookie (no Domain).
      expect(cookie.attributes).toEqual(['Path=/', 'Secure', 'HttpOnly', 'SameSite=Lax'])
    }
    expect(byName['CloudFront-Key-Pair-Id']!.value).toBe(KEY_PAIR_ID)
    // Verified here with node:crypto alone, independently of the /cdn route.
    const policy = decode(byName['CloudFront-Policy']!.value)
    const signature = decode(byName['CloudFront-Signature']!.value)
    expect(verify('RSA-SHA1', policy, publicKey, signature)).toBe(true)
    expect(JSON.parse(policy.toString())).toEqual({
      Statement: [
        {
          Resource: `${cdn}/alice/image/*`,
          Condition: { DateLessThan: { 'AWS:EpochTime': expiresAt / 1000 } },
        },
      ],
    })
  })

  it('answers 401 without a token and sets no cookie', async () => {
    const access = await galleryAccess(h.baseUrl, undefined)
    expect(access.status).toBe(401)
    expect(access.setCookies).toEqual([])
  })

  it('answers 501 naming the variables to set when CloudFront is not configured', async () => {
    const bare = await startHarness()
    try {
      const access = await galleryAccess(bare.baseUrl, await bare.token('alice'))
      expect(access.status).toBe(501)
      expect(access.body.error?.message).toMatch(
        /UPLINK_CDN_URL, UPLINK_CLOUDFRONT_KEY_PAIR_ID and UPLINK_CLOUDFRONT_PRIVATE_KEY/,
      )
      expect(access.setCookies).toEqual([])
      // The page asks first, and offers no gallery here.
      const api = await bare.client('alice')
      expect(await api.documents.galleryAvailable.query()).toEqual({ available: false })
      expect(await (await h.client()).documents.galleryAvailable.query()).toEqual({
        available: true,
      })
      // No verifier without a key: /cdn is not served at all.
      expect((await fetch(`${bare.baseUrl}/cdn/alice/image/x`)).status).toBe(404)
    } finally {
      await bare.close()
    }
  })
})

describe('GET /cdn/* (the CloudFront-compatible verifier)', () => {
  it('streams the caller’s own image with its type, length, ETag and private caching', async () => {
    const bytes = png(16, [200, 30, 30])
    const id = await uploadImage(h, 'alice', bytes)
    const res = await getCdn(`alice/image/${id}`, await cookiesOf('alice'))
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/png')
    expect(res.headers.get('content-length')).toBe(String(bytes.length))
    expect(res.headers.get('etag')).toMatch(/^"[^"]+"$/)
    expect(res.headers.get('cache-control')).toBe('private')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    expect(sha(await res.arrayBuffer())).toBe(sha(bytes))
  })

  it('refuses another user’s image with 403 before looking it up', async () => {
    const id = await uploadImage(h, 'bob', png(8, [0, 0, 255]))
    const res = await getCdn(`bob/image/${id}`, await cookiesOf('alice'))
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({
      code: 'access_denied',
      message: 'access denied: resource not granted',
    })
    expect((await getCdn(`bob/image/${id}`, await cookiesOf('bob'))).status).toBe(200)
  })

  it('refuses a request without the cookies', async () => {
    const id = await uploadImage(h, 'alice', png(8, [1, 2, 3]))
    expect((await getCdn(`alice/image/${id}`, '')).status).toBe(403)
  })

  it('refuses an expired policy, a policy not valid yet, and serves a current one', async () => {
    const id = await uploadImage(h, 'alice', png(8, [9, 9, 9]))
    const policy = (condition: object) => ({
      Statement: [{ Resource: `${cdn}/alice/image/*`, Condition: condition }],
    })
    const expired = craftedCookies(
      policy({ DateLessThan: { 'AWS:EpochTime': epochIn(-1) } }),
      privateKey,
      KEY_PAIR_ID,
    )
    const early = craftedCookies(
      policy({
        DateLessThan: { 'AWS:EpochTime': epochIn(600) },
        DateGreaterThan: { 'AWS:EpochTime': epochIn(300) },
      }),
      privateKey,
      KEY_PAIR_ID,
    )
    const current = craftedCookies(
      policy({ DateLessThan: { 'AWS:EpochTime': epochIn(600) } }),
      privateKey,
      KEY_PAIR_ID,
    )
    const expiredRes = await getCdn(`alice/image/${id}`, expired)
    expect(expiredRes.status).toBe(403)
    expect(await expiredRes.json()).toMatchObject({
      code: 'access_denied',
      message: 'access denied: expired',
    })
    expect((await getCdn(`alice/image/${id}`, early)).status).toBe(403)
    expect((await getCdn(`alice/image/${id}`, current)).status).toBe(200)
  })

  it('refuses a policy edited after signing (widened to every prefix)', async () => {
    const id = await uploadImage(h, 'bob', png(8, [4, 4, 4]))
    const cookies = Object.fromEntries(
      (await cookiesOf('alice')).split('; ').map((c) => c.split('=') as [string, string]),
    )
    const original = JSON.parse(decode(cookies['CloudFront-Policy']!).toString())
    original.Statement[0].Resource = `${cdn}/*`
    const widened = Buffer.from(JSON.stringify(original))
      .toString('base64')
      .replace(/\+/g, '-')
      .replace(/=/g, '_')
      .replace(/\//g, '~')
    const tampered = `CloudFront-Policy=${widened}; CloudFront-Signature=${cookies['CloudFront-Signature']}; CloudFront-Key-Pair-Id=${KEY_PAIR_ID}`
    const res = await getCdn(`bob/image/${id}`, tampered)
    expect(res.status).toBe(403)
    expect(await res.json()).toMatchObject({
      code: 'access_denied',
      message: 'access denied: bad signature',
    })
  })

  it('refuses cookies naming another key pair id, or signed by another key', async () => {
    const id = await uploadImage(h, 'alice', png(8, [5, 5, 5]))
    const cookie = await cookiesOf('alice')
    const otherId = cookie.replace(
      `CloudFront-Key-Pair-Id=${KEY_PAIR_ID}`,
      'CloudFront-Key-Pair-Id=KOTHER',
    )
    expect((await getCdn(`alice/image/${id}`, otherId)).status).toBe(403)
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
    const policy = {
      Statement: [
        {
          Resource: `${cdn}/alice/*`,
          Condition: { DateLessThan: { 'AWS:EpochTime': epochIn(60) } },
        },
      ],
    }
    const forged = craftedCookies(policy, stranger, KEY_PAIR_ID)
    expect((await getCdn(`alice/image/${id}`, forged)).status).toBe(403)
  })

  it('applies IpAddress: a range without 127.0.0.1 is refused, one with it served', async () => {
    const id = await uploadImage(h, 'alice', png(8, [6, 6, 6]))
    const fromRange = (cidr: string) =>
      craftedCookies(
        {
          Statement: [
            {
              Resource: `${cdn}/alice/image/*`,
              Condition: {
                DateLessThan: { 'AWS:EpochTime': epochIn(600) },
                IpAddress: { 'AWS:SourceIp': cidr },
              },
            },
          ],
        },
        privateKey,
        KEY_PAIR_ID,
      )
    const refused = await getCdn(`alice/image/${id}`, fromRange('192.0.2.0/24'))
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({
      code: 'access_denied',
      message: 'access denied: ip not allowed',
    })
    expect((await getCdn(`alice/image/${id}`, fromRange('127.0.0.0/8'))).status).toBe(200)
  })

  it('takes the client address a trusted proxy appended, not one the client put in X-Forwarded-For', async () => {
    const id = await uploadImage(h, 'alice', png(8, [6, 7, 8]))
    const cookies = craftedCookies(
      {
        Statement: [
          {
            Resource: `${cdn}/alice/image/*`,
            Condition: {
              DateLessThan: { 'AWS:EpochTime': epochIn(600) },
              IpAddress: { 'AWS:SourceIp': '192.0.2.0/24' },
            },
          },
        ],
      },
      privateKey,
      KEY_PAIR_ID,
    )
    // A client at 203.0.113.9 sent "X-Forwarded-For: 192.0.2.7"; the proxy appended its address.
    const spoofed = await getCdn(`alice/image/${id}`, cookies, {
      'X-Forwarded-For': '192.0.2.7, 203.0.113.9',
    })
    expect(spoofed.status).toBe(403)
    const fromRange = await getCdn(`alice/image/${id}`, cookies, { 'X-Forwarded-For': '192.0.2.7' })
    expect(fromRange.status).toBe(200)
  })

  it('serves no staging object, other purpose, pending upload or deleted document, even under a wide policy', async () => {
    const wide = craftedCookies(
      {
        Statement: [
          { Resource: `${cdn}/*`, Condition: { DateLessThan: { 'AWS:EpochTime': epochIn(600) } } },
        ],
      },
      privateKey,
      KEY_PAIR_ID,
    )
    const staged = await uploadImage(h, 'alice', png(8, [7, 7, 7]), false)
    const staging = await getCdn(`staging/alice/image/${staged}`, wide)
    expect(staging.status).toBe(403)
    expect(await staging.json()).toMatchObject({
      code: 'access_denied',
      message: 'access denied: not a gallery image',
    })
    // Only the gallery's purpose: a policy reaching further still serves no PDF.
    const pdf = await presignedPdf('alice')
    expect((await getCdn(`alice/document/${pdf}`, wide)).status).toBe(403)
    expect((await getCdn(`alice/image/${staged}`, wide)).status).toBe(404)
    const id = await uploadImage(h, 'alice', png(8, [8, 8, 8]))
    expect((await getCdn(`alice/image/${id}`, wide)).status).toBe(200)
    await (await h.client('alice')).documents.delete.mutate({ id })
    expect((await getCdn(`alice/image/${id}`, wide)).status).toBe(404)
  })
})

describe('gallery cookies in pnpm dev (no CloudFront settings)', () => {
  it('signs with an in-memory key for the fixed dev CDN URL and serves through <origin>/cdn', async () => {
    const dev = await startHarness(
      {},
      { configure: (config) => withDevGalleryKeys(config, createLogger('silent')) },
    )
    try {
      const bytes = png(12, [10, 200, 10])
      const id = await uploadImage(dev, 'carol', bytes)
      const access = await galleryAccess(dev.baseUrl, await dev.token('carol'))
      expect(access.body.result?.data).toMatchObject({
        baseUrl: `${dev.baseUrl}/cdn`,
        prefix: 'carol/image/',
      })
      // The policy names the dev verifier's fixed URL, whatever Host the request carried.
      const policy = decode(
        /CloudFront-Policy=([^;]+)/.exec(access.setCookies.join('\n'))?.[1] ?? '',
      ).toString()
      expect(JSON.parse(policy).Statement[0].Resource).toBe(`${DEV_CDN_URL}/carol/image/*`)
      const res = await fetch(`${dev.baseUrl}/cdn/carol/image/${id}`, {
        headers: { cookie: cookieHeader(access.setCookies) },
      })
      expect(res.status).toBe(200)
      expect(sha(await res.arrayBuffer())).toBe(sha(bytes))
    } finally {
      await dev.close()
    }
  })
})
