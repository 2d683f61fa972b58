import { request as httpRequest } from 'node:http'
import { findDocumentById } from '@uplink/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PgLocker } from '../src/index.ts'
import { type RunningApp, startApp } from './fixtures/app.ts'
import { bearer, freshConfig, keyOf, MiB, randomFile, statusOf, tusUpload } from './helpers.ts'

let app: RunningApp
beforeAll(async () => {
  app = await startApp(await freshConfig())
})
afterAll(() => app?.close())

const b64 = (s: string) => Buffer.from(s).toString('base64')
const metadata = (m: Record<string, string>) =>
  Object.entries(m)
    .map(([k, v]) => `${k} ${b64(v)}`)
    .join(',')
const video = { filename: 'clip.mp4', filetype: 'video/mp4', purpose: 'video' }

/** A tus creation request with fetch; `headers` override the defaults. */
function create(headers: Record<string, string | undefined>, userId: string | null = 'alice') {
  const all: Record<string, string | undefined> = {
    'Tus-Resumable': '1.0.0',
    'Upload-Length': '1000',
    'Upload-Metadata': metadata(video),
    ...(userId ? { Authorization: bearer(userId) } : {}),
    ...headers,
  }
  return fetch(`${app.url}/files`, {
    method: 'POST',
    headers: Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >,
  })
}

/** Sends a request with the path exactly as given (fetch would normalise `..`). */
function rawRequest(method: string, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: app.port, path, method, headers }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => {
        body += c.toString()
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('creation', () => {
  it('creates a pending tus document and names it in Uplink-Document-Id', async () => {
    const res = await create({})
    expect(res.status).toBe(201)
    const documentId = res.headers.get('uplink-document-id')
    const location = res.headers.get('location') ?? ''
    // tus: the URL "MAY be absolute or relative"; relative, it cannot carry a forged Host.
    expect(location).toBe(`/files/alice/video/${documentId}`)
    expect(keyOf(location)).toBe(`alice/video/${documentId}`)
    const doc = await findDocumentById(app.db, documentId ?? '')
    expect(doc).toMatchObject({
      ownerId: 'alice',
      status: 'pending',
      method: 'tus',
      objectKey: `alice/video/${documentId}`,
      uploadRef: `alice/video/${documentId}`,
      contentType: 'video/mp4',
      sizeBytes: 1000,
    })
    expect(doc?.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 23 * 3600_000)
  })

  it('stores a sanitised filename, never a path', async () => {
    const res = await create({
      'Upload-Metadata': metadata({ ...video, filename: '../../etc/pa\u202Esswd.mp4' }),
    })
    const doc = await findDocumentById(app.db, res.headers.get('uplink-document-id') ?? '')
    expect(doc?.filename).toBe('passwd.mp4')
  })

  it('answers 401 without a valid bearer token', async () => {
    expect((await create({}, null)).status).toBe(401)
    expect((await create({ Authorization: 'Bearer nope' }, null)).status).toBe(401)
  })

  it.each(['filename', 'filetype', 'purpose'])('answers 400 naming a missing %s', async (key) => {
    const { [key as keyof typeof video]: _gone, ...rest } = video
    const res = await create({ 'Upload-Metadata': metadata(rest) })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain(`"${key}"`)
  })

  it('answers 400 for oversized Upload-Metadata', async () => {
    const res = await create({
      'Upload-Metadata': `${metadata(video)},note ${b64('x'.repeat(6000))}`,
    })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('Upload-Metadata is')
  })

  it('answers 413 with the limit when Upload-Length is over the policy', async () => {
    const res = await create({
      'Upload-Length': String(25 * MiB + 1),
      'Upload-Metadata': metadata({
        filename: 'a.pdf',
        filetype: 'application/pdf',
        purpose: 'document',
      }),
    })
    expect(res.status).toBe(413)
    expect(await res.text()).toContain('25 MiB limit')
  })

  it('answers 415 with the policy message for a disallowed filetype', async () => {
    const res = await create({
      'Upload-Metadata': metadata({
        filename: 'a.html',
        filetype: 'text/html',
        purpose: 'document',
      }),
    })
    expect(res.status).toBe(415)
    expect(await res.text()).toContain('"text/html" is not allowed for purpose "document"')
  })

  it('answers 400 for an unknown purpose', async () => {
    const res = await create({ 'Upload-Metadata': metadata({ ...video, purpose: 'secrets' }) })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('purpose "secrets" is not one of')
  })

  it('refuses Upload-Defer-Length with a 400 when no maximum is configured', async () => {
    const res = await create({ 'Upload-Length': undefined, 'Upload-Defer-Length': '1' })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('Upload-Defer-Length is not accepted')
    const options = await fetch(`${app.url}/files`, { method: 'OPTIONS' })
    expect(options.headers.get('tus-extension')).toBe(
      'creation,creation-with-upload,termination,expiration,checksum',
    )
  })

  it('answers 412 with Tus-Version for an unsupported Tus-Resumable', async () => {
    const res = await create({ 'Tus-Resumable': '0.2.2' })
    expect(res.status).toBe(412)
    expect(res.headers.get('tus-version')).toBe('1.0.0')
  })
})

describe('ownership', () => {
  async function aliceUpload() {
    const res = await create({ 'Upload-Length': String(6 * MiB) })
    const url = new URL(res.headers.get('location') ?? '', app.url).toString()
    const patch = await fetch(url, {
      method: 'PATCH',
      headers: {
        'Tus-Resumable': '1.0.0',
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
        Authorization: bearer('alice'),
      },
      body: randomFile(1024),
    })
    expect(patch.status).toBe(204)
    return url
  }
  const tus = (userId: string | null, extra: Record<string, string> = {}) => ({
    'Tus-Resumable': '1.0.0',
    ...(userId ? { Authorization: bearer(userId) } : {}),
    ...extra,
  })

  it('leaves no upload lock behind when a request is refused after its lock was taken ahead', async () => {
    const url = await aliceUpload()
    // Alice's own id prefix: the lock is taken beside the owner check, which finds no document.
    const missing = url.replace(/[0-9a-f]{12}$/, '000000000000')
    expect((await fetch(missing, { method: 'HEAD', headers: tus('alice') })).status).toBe(404)
    // Another instance (a lock session of its own) gets the upload: nothing was left held.
    const other = new PgLocker({ db: app.db, acquireTimeoutMs: 10_000, pollIntervalMs: 20 })
    try {
      const lock = other.newLock(keyOf(missing))
      await lock.lock(new AbortController().signal, () => {})
      await lock.unlock()
    } finally {
      await other.close()
    }
  })

  it("answers 404 to HEAD, PATCH and DELETE of someone else's upload, like a missing one", async () => {
    const url = await aliceUpload()
    const missing = url.replace(/[0-9a-f]{12}$/, '000000000000')
    for (const target of [url, missing]) {
      expect((await fetch(target, { method: 'HEAD', headers: tus('bob') })).status).toBe(404)
      const patch = await fetch(target, {
        method: 'PATCH',
        headers: tus('bob', {
          'Upload-Offset': '1024',
          'Content-Type': 'application/offset+octet-stream',
        }),
        body: randomFile(10),
      })
      expect(patch.status).toBe(404)
      expect((await fetch(target, { method: 'DELETE', headers: tus('bob') })).status).toBe(404)
    }
    const head = await fetch(url, { method: 'HEAD', headers: tus('alice') })
    expect(head.status).toBe(200)
    expect(head.headers.get('upload-offset')).toBe('1024')
  })

  it('answers 401 to HEAD, PATCH and DELETE without a token', async () => {
    const url = await aliceUpload()
    expect((await fetch(url, { method: 'HEAD', headers: tus(null) })).status).toBe(401)
    expect((await fetch(url, { method: 'DELETE', headers: tus(null) })).status).toBe(401)
    const patch = await fetch(url, {
      method: 'PATCH',
      headers: tus(null, {
        'Upload-Offset': '1024',
        'Content-Type': 'application/offset+octet-stream',
      }),
      body: randomFile(10),
    })
    expect(patch.status).toBe(401)
  })

  it('answers 404 to upload ids with .., %2F or NUL', async () => {
    const url = await aliceUpload()
    const path = new URL(url).pathname
    const documentId = path.split('/').pop()
    for (const bad of [
      `${path}/..`,
      `/files/alice/video/../video/${documentId}`,
      `/files/alice%2Fvideo%2F${documentId}`,
      `/files/..%2F..%2Falice/video/${documentId}`,
      `${path}%00`,
      `/files/alice/video/%2e%2e`,
    ]) {
      const res = await rawRequest('HEAD', bad, tus('alice'))
      expect(res.status, bad).toBe(404)
    }
  })

  it('terminates an unfinished upload: multipart aborted, row deleted', async () => {
    const url = await aliceUpload()
    const key = keyOf(url)
    const del = await fetch(url, { method: 'DELETE', headers: tus('alice') })
    expect(del.status).toBe(204)
    const documentId = key.split('/').pop() ?? ''
    expect((await findDocumentById(app.db, documentId))?.status).toBe('deleted')
    const uploads = await app.storage.multipart.listUploads(key)
    expect(uploads.filter((u) => u.key === key)).toEqual([])
    expect((await fetch(url, { method: 'HEAD', headers: tus('alice') })).status).toBe(404)
  })
})

describe('finish', () => {
  it('marks the row uploaded and answers with Uplink-Document-Id', async () => {
    const data = randomFile(300 * 1024)
    const { done } = tusUpload(data, {
      endpoint: `${app.url}/files`,
      userId: 'carol',
      metadata: { filename: 'scan.pdf', filetype: 'application/pdf', purpose: 'document' },
    })
    const { url, documentId } = await done
    expect(documentId).toBe(keyOf(url).split('/').pop())
    const doc = await findDocumentById(app.db, documentId ?? '')
    expect(doc?.status).toBe('uploaded')
    expect(doc?.confirmedAt).toBeInstanceOf(Date)
    const head = await app.storage.head(keyOf(url))
    expect(head).toMatchObject({ size: data.length, contentType: 'application/pdf' })
  })

  it('a client that is not allowed gets a clear error, not a hang', async () => {
    const { done } = tusUpload(randomFile(10), {
      endpoint: `${app.url}/files`,
      userId: 'carol',
      metadata: { filename: 'x.exe', filetype: 'application/x-msdownload', purpose: 'document' },
    })
    const err = await done.catch((e: unknown) => e)
    expect(statusOf(err)).toBe(415)
  })
})
