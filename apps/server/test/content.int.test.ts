import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { contentDisposition } from '@uplink/core'
import { findDocumentById } from '@uplink/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

// The worker runs the content check, so the document is `ready` with its SHA-256 known.
let h: Harness
let dir: string
let body: Buffer
let id: string
let etag: string
let lastModified: string
beforeAll(async () => {
  h = await startHarness({ UPLINK_WORKER: 'true', UPLINK_RECONCILE_INTERVAL_MINUTES: '0' })
  dir = await mkdtemp(join(tmpdir(), 'uplink-content-'))
  body = pdf(64 * 1024)
  id = await uploadPdf('alice', body, 'Grüße "final".pdf')
  await settled('alice', id)
  const full = await get(id, 'alice')
  etag = full.headers.get('etag')!
  lastModified = full.headers.get('last-modified')!
})
afterAll(async () => {
  await h.close()
  await rm(dir, { recursive: true, force: true })
})

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('base64')

function pdf(size: number): Buffer {
  const b = randomBytes(size)
  b.write('%PDF-1.7\n', 0, 'latin1')
  b.write('\n%%EOF\n', size - 7, 'latin1')
  return b
}

async function uploadPdf(userId: string, bytes: Buffer, filename = 'file.pdf') {
  const api = await h.client(userId)
  const signed = await api.uploads.presignPut.mutate({
    purpose: 'document',
    filename,
    contentType: 'application/pdf',
    size: bytes.length,
    sha256: sha256(bytes),
  })
  const put = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: bytes })
  expect(put.status).toBe(200)
  await api.uploads.confirm.mutate({ documentId: signed.documentId })
  return signed.documentId
}

async function settled(userId: string, docId: string) {
  const api = await h.client(userId)
  for (let i = 0; i < 300; i++) {
    const doc = await api.documents.byId.query({ id: docId })
    if (doc.status === 'ready') return doc
    if (doc.status !== 'uploaded') throw new Error(`document ${docId} is ${doc.status}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`document ${docId} was never checked`)
}

async function get(
  docId: string,
  userId: string | undefined,
  headers: Record<string, string> = {},
  method = 'GET',
) {
  const auth: Record<string, string> = userId
    ? { authorization: `Bearer ${await h.token(userId)}` }
    : {}
  return fetch(`${h.baseUrl}/documents/${docId}/content`, {
    method,
    headers: { ...auth, ...headers },
  })
}

const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer())

describe('GET /documents/:id/content', () => {
  it('streams the whole document with its representation headers', async () => {
    const res = await get(id, 'alice')
    expect(res.status).toBe(200)
    expect((await bytesOf(res)).equals(body)).toBe(true)
    expect(res.headers.get('accept-ranges')).toBe('bytes')
    expect(res.headers.get('content-length')).toBe(String(body.length))
    expect(res.headers.get('content-type')).toBe('application/pdf')
    expect(res.headers.get('content-disposition')).toBe(
      contentDisposition('inline', 'Grüße "final".pdf'),
    )
    expect(res.headers.get('repr-digest')).toBe(`sha-256=:${sha256(body)}:`)
    expect(res.headers.get('cache-control')).toBe('private, no-store')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
    const doc = await findDocumentById(h.services.db, id)
    const head = await h.services.storage.head(doc!.objectKey)
    expect(etag).toBe(head!.etag)
    expect(etag).toMatch(/^"[^"]+"$/)
    expect(new Date(lastModified).getTime()).toBe(
      Math.floor(head!.lastModified!.getTime() / 1000) * 1000,
    )
  })

  it('answers `curl -r 0-99` with 206 and exactly the first 100 bytes', async () => {
    const out = join(dir, 'first100')
    const headers = join(dir, 'headers')
    const token = await h.token('alice')
    await promisify(execFile)('curl', [
      '-sS',
      '-r',
      '0-99',
      '-H',
      `Authorization: Bearer ${token}`,
      '-D',
      headers,
      '-o',
      out,
      `${h.baseUrl}/documents/${id}/content`,
    ])
    const head = await readFile(headers, 'utf8')
    expect(head).toMatch(/^HTTP\/1\.1 206 /)
    expect(head).toMatch(new RegExp(`content-range: bytes 0-99/${body.length}\\r\\n`, 'i'))
    expect((await readFile(out)).equals(body.subarray(0, 100))).toBe(true)
  })

  it('serves a suffix range and an open-ended range, cutting an end past the last byte', async () => {
    const suffix = await get(id, 'alice', { range: 'bytes=-100' })
    expect(suffix.status).toBe(206)
    expect(suffix.headers.get('content-range')).toBe(
      `bytes ${body.length - 100}-${body.length - 1}/${body.length}`,
    )
    expect((await bytesOf(suffix)).equals(body.subarray(body.length - 100))).toBe(true)
    const open = await get(id, 'alice', { range: 'bytes=65000-' })
    expect(open.status).toBe(206)
    expect(open.headers.get('content-length')).toBe(String(body.length - 65000))
    expect((await bytesOf(open)).equals(body.subarray(65000))).toBe(true)
    const past = await get(id, 'alice', { range: `bytes=65530-${body.length * 2}` })
    expect(past.headers.get('content-range')).toBe(`bytes 65530-${body.length - 1}/${body.length}`)
    // The digest is the whole representation's, on a 206 too.
    expect(past.headers.get('repr-digest')).toBe(`sha-256=:${sha256(body)}:`)
  })

  it('answers 416 with the size for a range past the end', async () => {
    const res = await get(id, 'alice', { range: `bytes=${body.length}-` })
    expect(res.status).toBe(416)
    expect(res.headers.get('content-range')).toBe(`bytes */${body.length}`)
    expect(((await res.json()) as { message: string }).message).toMatch(
      `the document has ${body.length} bytes`,
    )
  })

  it('ignores a request for several ranges and sends the whole document', async () => {
    const res = await get(id, 'alice', { range: 'bytes=0-9,100-109' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-range')).toBeNull()
    expect((await bytesOf(res)).equals(body)).toBe(true)
  })

  it('answers 304 with no body to a matching If-None-Match, and 200 to another tag', async () => {
    const same = await get(id, 'alice', { 'if-none-match': etag })
    expect(same.status).toBe(304)
    expect(same.headers.get('etag')).toBe(etag)
    expect((await bytesOf(same)).length).toBe(0)
    const other = await get(id, 'alice', { 'if-none-match': '"something-else"' })
    expect(other.status).toBe(200)
    expect((await bytesOf(other)).equals(body)).toBe(true)
  })

  it('honours a Range under a matching If-Range and sends everything when it does not match', async () => {
    const same = await get(id, 'alice', { range: 'bytes=0-9', 'if-range': etag })
    expect(same.status).toBe(206)
    expect((await bytesOf(same)).equals(body.subarray(0, 10))).toBe(true)
    const byDate = await get(id, 'alice', { range: 'bytes=0-9', 'if-range': lastModified })
    expect(byDate.status).toBe(206)
    await byDate.arrayBuffer()
    const changed = await get(id, 'alice', { range: 'bytes=0-9', 'if-range': '"older"' })
    expect(changed.status).toBe(200)
    expect((await bytesOf(changed)).equals(body)).toBe(true)
  })

  it('answers HEAD with the headers of the GET and no body', async () => {
    const res = await get(id, 'alice', { range: 'bytes=0-99' }, 'HEAD')
    expect(res.status).toBe(206)
    expect(res.headers.get('content-length')).toBe('100')
    expect((await bytesOf(res)).length).toBe(0)
  })

  it("answers 401 without a token, and 404 for another user's document as the download route does", async () => {
    const anonymous = await get(id, undefined)
    expect(anonymous.status).toBe(401)
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer')
    const bob = await get(id, 'bob')
    expect(bob.status).toBe(404)
    const bobDownload = await fetch(`${h.baseUrl}/documents/${id}/download`, {
      headers: { authorization: `Bearer ${await h.token('bob')}` },
      redirect: 'manual',
    })
    expect(bobDownload.status).toBe(404)
    expect(await bob.json()).toMatchObject({
      code: 'document_not_found',
      message: `document ${id} was not found`,
    })
    expect((await get('not-a-uuid', 'alice')).status).toBe(404)
  })

  it('refuses a pending document with 412 and a deleted one with 404', async () => {
    const api = await h.client('carol')
    const pending = await api.uploads.presignPut.mutate({
      purpose: 'document',
      filename: 'later.pdf',
      contentType: 'application/pdf',
      size: 100,
    })
    const res = await get(pending.documentId, 'carol')
    expect(res.status).toBe(412)
    expect(((await res.json()) as { message: string }).message).toMatch(/is pending/)
    const gone = await uploadPdf('carol', pdf(1024))
    await settled('carol', gone)
    await api.documents.delete.mutate({ id: gone })
    expect((await get(gone, 'carol')).status).toBe(404)
  })
})

describe('the content cookie', () => {
  async function session(userId: string) {
    const res = await fetch(`${h.baseUrl}/documents/content-session`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await h.token(userId)}` },
    })
    expect(res.status).toBe(204)
    return res.headers.get('set-cookie')!
  }

  it('is set from a bearer token as HttpOnly, SameSite=Strict, for /documents/ only', async () => {
    const cookie = await session('alice')
    expect(cookie).toMatch(/^uplink_content=[\w-]+\.[\w-]+\.[\w-]+; /)
    expect(cookie).toContain('Path=/documents/')
    expect(cookie).toContain('HttpOnly')
    expect(cookie).toContain('SameSite=Strict')
    // The dev token lives 12 h; the cookie no longer.
    const maxAge = Number(/Max-Age=(\d+)/.exec(cookie)?.[1])
    expect(maxAge).toBeGreaterThan(12 * 3600 - 60)
    expect(maxAge).toBeLessThanOrEqual(12 * 3600)
  })

  it("reads the owner's document with the cookie alone, and nobody else's", async () => {
    const alice = (await session('alice')).split(';')[0]!
    const res = await get(id, undefined, { cookie: alice, range: 'bytes=0-9' })
    expect(res.status).toBe(206)
    expect((await bytesOf(res)).equals(body.subarray(0, 10))).toBe(true)
    const bob = (await session('bob')).split(';')[0]!
    expect((await get(id, undefined, { cookie: bob })).status).toBe(404)
    expect((await get(id, undefined, { cookie: 'uplink_content=forged' })).status).toBe(401)
  })

  it('is never set without a bearer header, and a DELETE clears it', async () => {
    const alice = (await session('alice')).split(';')[0]!
    const refused = await fetch(`${h.baseUrl}/documents/content-session`, {
      method: 'POST',
      headers: { cookie: alice },
    })
    expect(refused.status).toBe(401)
    expect(refused.headers.get('set-cookie')).toBeNull()
    const cleared = await fetch(`${h.baseUrl}/documents/content-session`, { method: 'DELETE' })
    expect(cleared.status).toBe(204)
    expect(cleared.headers.get('set-cookie')).toMatch(/^uplink_content=; .*Max-Age=0/)
  })

  it('is not accepted by the tRPC API', async () => {
    const alice = (await session('alice')).split(';')[0]!
    const res = await fetch(`${h.baseUrl}/trpc/documents.list`, { headers: { cookie: alice } })
    expect(res.status).toBe(401)
  })
})

describe('UPLINK_DOWNLOAD_MODE=stream', () => {
  let streaming: Harness
  beforeAll(async () => {
    streaming = await startHarness({ UPLINK_DOWNLOAD_MODE: 'stream' })
  })
  afterAll(() => streaming.close())

  it('serves /documents/:id/download itself, as an attachment, with ranges', async () => {
    const api = await streaming.client('dora')
    const bytes = pdf(4096)
    const signed = await api.uploads.presignPut.mutate({
      purpose: 'document',
      filename: 'report.pdf',
      contentType: 'application/pdf',
      size: bytes.length,
    })
    await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: bytes })
    await api.uploads.confirm.mutate({ documentId: signed.documentId })
    const url = `${streaming.baseUrl}/documents/${signed.documentId}/download`
    const auth = { authorization: `Bearer ${await streaming.token('dora')}` }
    const res = await fetch(url, { headers: auth, redirect: 'manual' })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-disposition')).toBe(
      contentDisposition('attachment', 'report.pdf'),
    )
    expect((await bytesOf(res)).equals(bytes)).toBe(true)
    const part = await fetch(url, { headers: { ...auth, range: 'bytes=-10' }, redirect: 'manual' })
    expect(part.status).toBe(206)
    expect((await bytesOf(part)).equals(bytes.subarray(-10))).toBe(true)
    const other = await fetch(url, {
      headers: { authorization: `Bearer ${await streaming.token('eve')}` },
      redirect: 'manual',
    })
    expect(other.status).toBe(404)
  })
})
