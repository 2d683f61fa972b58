import { type KeyObject, sign } from 'node:crypto'
import { crc32, deflateSync } from 'node:zlib'
import type { Harness } from './harness.ts'

/** A real PNG of `size`×`size` pixels of one colour (browsers decode it: naturalWidth > 0). */
export function png(size: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const out = Buffer.alloc(body.length + 8)
    out.writeUInt32BE(data.length, 0)
    body.copy(out, 4)
    out.writeUInt32BE(crc32(body), body.length + 4)
    return out
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB, no interlace
  const row = Buffer.concat([Buffer.from([0]), Buffer.from(Array(size).fill(rgb).flat())])
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(Array(size).fill(row)))),
    chunk('IEND', Buffer.alloc(0)),
  ])
}

/** Uploads `bytes` as an `image` document of `userId` (presigned PUT, then confirm). */
export async function uploadImage(h: Harness, userId: string, bytes: Buffer, confirm = true) {
  const api = await h.client(userId)
  const signed = await api.uploads.presignPut.mutate({
    purpose: 'image',
    filename: 'photo.png',
    contentType: 'image/png',
    size: bytes.length,
  })
  const put = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: bytes })
  if (put.status !== 200) throw new Error(`PUT answered ${put.status}`)
  if (confirm) await api.uploads.confirm.mutate({ documentId: signed.documentId })
  return signed.documentId
}

/** `documents.galleryAccess` over plain HTTP: status, result data and the Set-Cookie lines. */
export async function galleryAccess(baseUrl: string, token: string | undefined) {
  const res = await fetch(`${baseUrl}/trpc/documents.galleryAccess`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: '{}',
  })
  const body = (await res.json()) as {
    result?: { data: { baseUrl: string; prefix: string; expiresAt: string } }
    error?: { message: string; data: { code: string; httpStatus: number } }
  }
  return { status: res.status, body, setCookies: res.headers.getSetCookie() }
}

/** The `Cookie` header a browser would send back for these Set-Cookie lines. */
export function cookieHeader(setCookies: string[]): string {
  return setCookies.map((line) => line.split(';')[0]).join('; ')
}

/** CloudFront's URL-safe base64 of `bytes`. */
export function cloudFrontBase64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~')
}

/** The three cookies, as a Cookie header, for a policy the test writes and signs itself. */
export function craftedCookies(policy: object, privateKey: KeyObject, keyPairId: string): string {
  const json = Buffer.from(JSON.stringify(policy))
  return [
    `CloudFront-Policy=${cloudFrontBase64(json)}`,
    `CloudFront-Signature=${cloudFrontBase64(sign('sha1', json, privateKey))}`,
    `CloudFront-Key-Pair-Id=${keyPairId}`,
  ].join('; ')
}
