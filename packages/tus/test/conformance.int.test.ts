import { createHash } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { crc32 } from 'node:zlib'
import { ListPartsCommand } from '@aws-sdk/client-s3'
import { findDocumentById, transitionDocument } from '@uplink/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningApp, startApp } from './fixtures/app.ts'
import { bearer, freshConfig, keyOf, MiB, objectSha256, randomFile, sha256 } from './helpers.ts'

// Conformance with the tus 1.0 protocol (https://tus.io/protocols/resumable-upload): one test per
// rule, named after it, quoting the spec sentence it checks.

const ORIGIN = 'https://app.example'
let app: RunningApp
/** With CORS origins and creation-defer-length configured. */
let web: RunningApp
beforeAll(async () => {
  app = await startApp(await freshConfig())
  web = await startApp(await freshConfig({ allowedOrigins: [ORIGIN], maxDeferredLength: 64 * MiB }))
})
afterAll(async () => {
  await app?.close()
  await web?.close()
})

const b64 = (s: string) => Buffer.from(s).toString('base64')
const videoMetadata = ['filename clip.mp4', 'filetype video/mp4', 'purpose video']
  .map((kv) => {
    const [k, v] = kv.split(' ') as [string, string]
    return `${k} ${b64(v)}`
  })
  .join(',')

type HeaderMap = Record<string, string | undefined>
const clean = (h: HeaderMap) =>
  Object.fromEntries(Object.entries(h).filter(([, v]) => v !== undefined)) as Record<string, string>

/** A request with the tus defaults (version and alice's token); `headers` override them. */
function tus(
  method: string,
  url: string,
  headers: HeaderMap = {},
  body?: Buffer,
): Promise<Response> {
  return fetch(url, {
    method,
    headers: clean({ 'Tus-Resumable': '1.0.0', Authorization: bearer('alice'), ...headers }),
    ...(body ? { body } : {}),
  })
}

/** Creates an upload of `length` bytes and returns its absolute URL. */
async function createUpload(length: number, on: RunningApp = app, headers: HeaderMap = {}) {
  const res = await tus('POST', `${on.url}/files`, {
    'Upload-Length': String(length),
    'Upload-Metadata': videoMetadata,
    ...headers,
  })
  expect(res.status).toBe(201)
  return new URL(res.headers.get('location') ?? '', on.url).toString()
}

function patch(url: string, offset: number, body: Buffer, headers: HeaderMap = {}) {
  return tus(
    'PATCH',
    url,
    {
      'Upload-Offset': String(offset),
      'Content-Type': 'application/offset+octet-stream',
      ...headers,
    },
    body,
  )
}

const offsetOf = async (url: string) =>
  Number((await tus('HEAD', url)).headers.get('upload-offset'))

describe('core protocol', () => {
  it('Tus-Resumable: a request without it gets 412 with Tus-Version', async () => {
    // "If the version specified by the Client is not supported by the Server, it MUST respond
    // with the 412 Precondition Failed status and MUST include the Tus-Version header"
    const url = await createUpload(100)
    for (const res of [
      await tus('POST', `${app.url}/files`, { 'Tus-Resumable': undefined, 'Upload-Length': '1' }),
      await tus('HEAD', url, { 'Tus-Resumable': undefined }),
      await patch(url, 0, Buffer.from('x'), { 'Tus-Resumable': undefined }),
      await tus('DELETE', url, { 'Tus-Resumable': undefined }),
    ]) {
      expect(res.status).toBe(412)
      expect(res.headers.get('tus-version')).toBe('1.0.0')
      expect(res.headers.get('tus-resumable')).toBe('1.0.0')
    }
  })

  it('PATCH Content-Type: none or anything but application/offset+octet-stream gets 415', async () => {
    // "All PATCH requests MUST use Content-Type: application/offset+octet-stream, otherwise the
    // server SHOULD return a 415 Unsupported Media Type status."
    const url = await createUpload(100)
    for (const type of [undefined, 'text/plain']) {
      const res = await patch(url, 0, Buffer.from('abc'), { 'Content-Type': type })
      expect(res.status).toBe(415)
      expect(await res.text()).toContain('application/offset+octet-stream')
    }
    expect(await offsetOf(url)).toBe(0)
  })

  it('PATCH Upload-Offset: a PATCH without it gets 400', async () => {
    // "The Client MUST include the Upload-Offset header" (PATCH); a request missing it is malformed.
    const url = await createUpload(100)
    const res = await patch(url, 0, Buffer.from('abc'), { 'Upload-Offset': undefined })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('Upload-Offset')
  })

  it('PATCH offset conflict: 409 carries the Upload-Offset to resume from', async () => {
    // "If the offsets do not match, the Server MUST respond with the 409 Conflict status without
    // modifying the upload resource."
    const url = await createUpload(100)
    expect((await patch(url, 0, Buffer.alloc(10, 1))).status).toBe(204)
    const res = await patch(url, 3, Buffer.alloc(5, 2))
    expect(res.status).toBe(409)
    expect(res.headers.get('upload-offset')).toBe('10')
    expect(await offsetOf(url)).toBe(10)
  })

  it('PATCH success: 204 with the new Upload-Offset', async () => {
    // "The Server MUST acknowledge successful PATCH requests with the 204 No Content status.
    // It MUST include the Upload-Offset header containing the new offset."
    const url = await createUpload(100)
    const res = await patch(url, 0, Buffer.alloc(40, 7))
    expect(res.status).toBe(204)
    expect(res.headers.get('upload-offset')).toBe('40')
  })

  it('HEAD of a completed upload: offset = length; an empty PATCH at that offset gets 204', async () => {
    // "The Server MUST always include the Upload-Offset header in the response for a HEAD
    // request, even if the offset is 0, or the upload is already considered completed."
    const data = randomFile(1000)
    const url = await createUpload(data.length)
    expect((await patch(url, 0, data)).status).toBe(204)
    const head = await tus('HEAD', url)
    expect(head.status).toBe(200)
    expect(head.headers.get('upload-offset')).toBe('1000')
    expect(head.headers.get('upload-length')).toBe('1000')
    expect(head.headers.get('cache-control')).toBe('no-store')
    const again = await patch(url, 1000, Buffer.alloc(0))
    expect(again.status).toBe(204)
    expect(again.headers.get('upload-offset')).toBe('1000')
  })

  it('a completed upload whose document was rejected keeps answering HEAD (offset = length)', async () => {
    const data = randomFile(1000)
    const url = await createUpload(data.length)
    expect((await patch(url, 0, data)).status).toBe(204)
    const documentId = keyOf(url).split('/').pop() ?? ''
    await transitionDocument(app.db, documentId, {
      to: 'rejected',
      from: ['uploaded'],
      set: { rejectionReason: 'the content check found no video' },
    })
    const head = await tus('HEAD', url)
    expect(head.status).toBe(200)
    expect(head.headers.get('upload-offset')).toBe('1000')
    // Repeating the last PATCH tells why, as the first finish of a rejected upload does.
    const again = await patch(url, 1000, Buffer.alloc(0))
    expect(again.status).toBe(422)
    expect(await again.text()).toContain('the content check found no video')
    expect((await findDocumentById(app.db, documentId))?.status).toBe('rejected')
  })

  it('PATCH Upload-Length on an upload whose length is fixed gets 400', async () => {
    // creation-defer-length: the Upload-Length can be set once; a fixed length cannot change.
    for (const on of [app, web]) {
      const url = await createUpload(100, on)
      const res = await patch(url, 0, Buffer.alloc(10), { 'Upload-Length': '200' })
      expect(res.status).toBe(400)
      expect(await offsetOf(url)).toBe(0)
    }
  })

  it('401 carries WWW-Authenticate: Bearer', async () => {
    // RFC 6750 §3: a 401 "MUST include the HTTP WWW-Authenticate response header field".
    const creation = { 'Upload-Length': '10', 'Upload-Metadata': videoMetadata }
    const none = await tus('POST', `${app.url}/files`, { ...creation, Authorization: undefined })
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="uplink"')
    const url = await createUpload(10)
    const bad = await tus('HEAD', url, { Authorization: 'Bearer no' })
    expect(bad.status).toBe(401)
    expect(bad.headers.get('www-authenticate')).toBe('Bearer realm="uplink", error="invalid_token"')
  })
})

describe('termination', () => {
  /** A finished 6 MiB upload (two parts) of alice's, with its row and the object's SHA-256. */
  async function finishedUpload() {
    const data = randomFile(6 * MiB)
    const url = await createUpload(data.length)
    expect((await patch(url, 0, data)).status).toBe(204)
    const key = keyOf(url)
    const documentId = key.split('/').pop() ?? ''
    const row = await findDocumentById(app.db, documentId)
    expect(row?.status).toBe('uploaded')
    return { url, key, documentId, row, stored: sha256(data) }
  }
  const ledgerRows = (key: string) =>
    app.db.selectFrom('tusParts').select('partNumber').where('uploadId', '=', key).execute()

  it('DELETE of a completed upload gets 204 and frees the tus resource; the document stays', async () => {
    // "When receiving a DELETE request for an existing upload the Server SHOULD free associated
    // resources and MUST respond with the 204 No Content status confirming that the upload was
    // terminated." The document is deleted only by documents.delete.
    const { url, key, documentId, row, stored } = await finishedUpload()
    expect(await app.storage.head(`${key}.info`)).toBeDefined()

    const del = await tus('DELETE', url)
    expect(del.status).toBe(204)
    expect(del.headers.get('tus-resumable')).toBe('1.0.0')

    // The tus resource is gone: info and incomplete-part objects, ledger; HEAD and PATCH get 410.
    expect(await app.storage.head(`${key}.info`)).toBeUndefined()
    expect(await app.storage.head(`${key}.part`)).toBeUndefined()
    expect(await ledgerRows(key)).toEqual([])
    const head = await tus('HEAD', url)
    expect(head.status).toBe(410)
    const again = await patch(url, 6 * MiB, Buffer.alloc(0))
    expect(again.status).toBe(410)
    expect(await again.text()).toContain('its document is unaffected')
    expect((await tus('DELETE', url)).status).toBe(410)

    // The document is untouched: same row (but for the tus upload's ref), same object bytes.
    const after = await findDocumentById(app.db, documentId)
    expect(after).toEqual({ ...row, uploadRef: null })
    expect((await objectSha256(app.storage.client, app.storage.bucket, key)).sha256).toBe(stored)
  })

  it("DELETE of someone else's completed upload gets 404, like a missing one, and frees nothing", async () => {
    const { url, key, documentId, row } = await finishedUpload()
    const other = await tus('DELETE', url, { Authorization: bearer('mallory') })
    expect(other.status).toBe(404)
    expect((await tus('HEAD', url)).headers.get('upload-offset')).toBe(String(6 * MiB))
    expect(await app.storage.head(`${key}.info`)).toBeDefined()
    expect(await findDocumentById(app.db, documentId)).toEqual(row)
  })

  it('DELETE of a completed upload whose document never settled removes its object too', async () => {
    // A crash between completing the multipart upload and settling the row leaves it pending:
    // its object was never verified, so termination removes it like an unfinished upload's.
    const { url, key, documentId } = await finishedUpload()
    await app.db
      .updateTable('documents')
      .set({ status: 'pending', confirmedAt: null, expiresAt: new Date(Date.now() + 3600_000) })
      .where('id', '=', documentId)
      .execute()
    expect((await tus('DELETE', url)).status).toBe(204)
    expect(await app.storage.head(key)).toBeUndefined()
    expect(await app.storage.head(`${key}.info`)).toBeUndefined()
    expect((await findDocumentById(app.db, documentId))?.status).toBe('deleted')
    expect((await tus('HEAD', url)).status).toBe(404)
  })
})

describe('creation', () => {
  it('OPTIONS: 200 with Tus-Version, Tus-Extension, Tus-Max-Size and Tus-Checksum-Algorithm', async () => {
    // "A successful response indicated by the 204 No Content or 200 OK status MUST contain the
    // Tus-Version header." tusd and the clients' test suites expect 200.
    const res = await fetch(`${app.url}/files`, { method: 'OPTIONS' })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('')
    expect(res.headers.get('content-length')).toBe('0')
    expect(res.headers.get('tus-version')).toBe('1.0.0')
    expect(res.headers.get('tus-extension')).toBe(
      'creation,creation-with-upload,termination,expiration,checksum',
    )
    expect(res.headers.get('tus-max-size')).toBe(String(50 * 1024 * MiB))
    expect(res.headers.get('tus-checksum-algorithm')).toBe('sha1,sha256,md5,crc32')
  })

  it('Tus-Max-Size: OPTIONS names the largest tus upload; a longer Upload-Length gets 413 with the purpose limit', async () => {
    // "If the length of the upload exceeds the maximum, which MAY be specified using the
    // Tus-Max-Size header, the Server MUST respond with the 413 Request Entity Too Large status."
    const options = await fetch(`${app.url}/files`, { method: 'OPTIONS' })
    expect(options.headers.get('tus-max-size')).toBe(String(50 * 1024 * MiB))
    const res = await tus('POST', `${app.url}/files`, {
      'Upload-Length': String(25 * MiB + 1),
      'Upload-Metadata': `filename ${b64('a.pdf')},filetype ${b64('application/pdf')},purpose ${b64('document')}`,
    })
    expect(res.status).toBe(413)
    expect(await res.text()).toContain('25 MiB limit for purpose "document"')
  })

  it('Upload-Length: 0 is refused with 400 saying why (no purpose accepts empty files)', async () => {
    const res = await tus('POST', `${app.url}/files`, {
      'Upload-Length': '0',
      'Upload-Metadata': videoMetadata,
    })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('greater than 0')
  })

  it('creation-with-upload: a POST body with another Content-Type gets 415, nothing created', async () => {
    // "the Client MUST include the Content-Type: application/offset+octet-stream header"
    const res = await tus(
      'POST',
      `${app.url}/files`,
      { 'Upload-Length': '3', 'Upload-Metadata': videoMetadata, 'Content-Type': 'text/plain' },
      Buffer.from('abc'),
    )
    expect(res.status).toBe(415)
    expect(res.headers.get('location')).toBeNull()
  })

  it('creation-defer-length: advertised only when a maximum is configured, with bounded parts', async () => {
    // "If the Server does not support creation-defer-length it MUST NOT list it" (Tus-Extension).
    const plain = await fetch(`${app.url}/files`, { method: 'OPTIONS' })
    expect(plain.headers.get('tus-extension')?.split(',')).not.toContain('creation-defer-length')
    const deferred = await fetch(`${web.url}/files`, { method: 'OPTIONS' })
    expect(deferred.headers.get('tus-extension')?.split(',')).toContain('creation-defer-length')

    const data = randomFile(11 * MiB)
    const res = await tus('POST', `${web.url}/files`, {
      'Upload-Defer-Length': '1',
      'Upload-Metadata': videoMetadata,
    })
    expect(res.status).toBe(201)
    const url = new URL(res.headers.get('location') ?? '', web.url).toString()
    expect((await tus('HEAD', url)).headers.get('upload-defer-length')).toBe('1')
    const first = await patch(url, 0, data.subarray(0, 6 * MiB))
    expect(first.status).toBe(204)
    // Parts are the configured 5 MiB, not maxUploadSize / 10 000 (524 MiB).
    const key = keyOf(url)
    const info = await web.storage.client.send(
      new ListPartsCommand({
        Bucket: web.storage.bucket,
        Key: key,
        UploadId: await uploadIdOf(key),
      }),
    )
    expect(info.Parts?.map((p) => p.Size)).toEqual([5 * MiB])
    const last = await patch(url, 6 * MiB, data.subarray(6 * MiB), {
      'Upload-Length': String(data.length),
    })
    expect(last.status).toBe(204)
    expect((await objectSha256(web.storage.client, web.storage.bucket, key)).sha256).toBe(
      sha256(data),
    )
  })
})

/** The S3 UploadId of a tus upload, from its info object. */
async function uploadIdOf(key: string): Promise<string> {
  const upload = await web.storage.multipart.listUploads(key)
  return upload.find((u) => u.key === key)?.uploadId ?? ''
}

describe('CORS', () => {
  const paths = async () => {
    const url = await createUpload(100, web)
    return [
      () => fetch(`${web.url}/files`, { method: 'OPTIONS', headers: clean(originHeaders()) }),
      () => tus('POST', `${web.url}/files`, { ...originHeaders(), 'Upload-Length': '1' }),
      () => tus('HEAD', url, originHeaders()),
      () => tus('HEAD', url, { ...originHeaders(), Authorization: undefined }),
      () => tus('HEAD', url, { ...originHeaders(), 'Tus-Resumable': undefined }),
      () => tus('GET', url, originHeaders()),
      () => tus('HEAD', `${web.url}/files/alice/video/..%2Fx`, originHeaders()),
      () => patch(url, 7, Buffer.from('x'), originHeaders()),
    ]
  }
  let origin: string | undefined
  const originHeaders = (): HeaderMap => (origin ? { Origin: origin } : {})

  it('echoes an allowed Origin with Vary: Origin on every path, refusals included', async () => {
    origin = ORIGIN
    for (const send of await paths()) {
      const res = await send()
      expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN)
      expect(res.headers.get('vary')).toContain('Origin')
      const exposed = res.headers.get('access-control-expose-headers')
      for (const name of ['Upload-Offset', 'Uplink-Document-Id', 'Tus-Checksum-Algorithm']) {
        expect(exposed).toContain(name)
      }
    }
  })

  it('sends no CORS header for a foreign Origin or none, on every path', async () => {
    for (const o of ['https://evil.example', undefined]) {
      origin = o
      for (const send of await paths()) {
        const res = await send()
        expect(res.headers.get('access-control-allow-origin')).toBeNull()
        expect(res.headers.get('access-control-expose-headers')).toBeNull()
        expect(res.headers.get('vary')).toContain('Origin')
      }
    }
  })

  it('never answers * when no origins are configured', async () => {
    for (const o of [ORIGIN, undefined]) {
      const res = await fetch(`${app.url}/files`, {
        method: 'OPTIONS',
        headers: o ? { Origin: o } : {},
      })
      expect(res.headers.get('access-control-allow-origin')).toBeNull()
    }
  })

  it('lets a browser send Upload-Checksum (preflight allows it)', async () => {
    const res = await fetch(`${web.url}/files`, { method: 'OPTIONS', headers: { Origin: ORIGIN } })
    expect(res.headers.get('access-control-allow-headers')).toContain('Upload-Checksum')
  })

  it('answers a preflight with 200, the tus headers and the CORS ones', async () => {
    const res = await fetch(`${web.url}/files`, {
      method: 'OPTIONS',
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': 'PATCH',
        'Access-Control-Request-Headers': 'tus-resumable, upload-offset, content-type',
      },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('tus-version')).toBe('1.0.0')
    expect(res.headers.get('access-control-allow-origin')).toBe(ORIGIN)
    expect(res.headers.get('access-control-allow-methods')).toContain('PATCH')
    expect(res.headers.get('access-control-allow-headers')).toContain('Upload-Offset')
    expect(res.headers.get('access-control-max-age')).toMatch(/^\d+$/)
  })
})

const digests: Record<string, (data: Buffer) => string> = {
  sha1: (d) => createHash('sha1').update(d).digest('base64'),
  sha256: (d) => createHash('sha256').update(d).digest('base64'),
  md5: (d) => createHash('md5').update(d).digest('base64'),
  // tus clients send crc32 as the base64 of its 4 big-endian bytes.
  crc32: (d) => {
    const out = Buffer.alloc(4)
    out.writeUInt32BE(crc32(d))
    return out.toString('base64')
  },
}

describe('checksum extension', () => {
  it('OPTIONS lists checksum in Tus-Extension and every algorithm in Tus-Checksum-Algorithm', async () => {
    // "The Tus-Checksum-Algorithm response header MUST be a comma-separated list of the
    // checksum algorithms supported by the server."
    const res = await fetch(`${app.url}/files`, { method: 'OPTIONS' })
    expect(res.status).toBe(200)
    expect(res.headers.get('tus-extension')?.split(',')).toContain('checksum')
    expect(res.headers.get('tus-checksum-algorithm')).toBe('sha1,sha256,md5,crc32')
  })

  it.each(Object.keys(digests))(
    'verifies Upload-Checksum %s on each PATCH and keeps matching bytes',
    async (alg) => {
      // "The Server MUST support at least the SHA1 checksum algorithm identified by sha1."
      const digest = digests[alg] as (d: Buffer) => string
      const data = randomFile(7 * MiB)
      const url = await createUpload(data.length)
      const cut = 3 * MiB
      for (const [from, to] of [
        [0, cut],
        [cut, data.length],
      ] as const) {
        const chunk = data.subarray(from, to)
        const res = await patch(url, from, chunk, { 'Upload-Checksum': `${alg} ${digest(chunk)}` })
        expect(res.status).toBe(204)
        expect(res.headers.get('upload-offset')).toBe(String(to))
      }
      const stored = await objectSha256(app.storage.client, app.storage.bucket, keyOf(url))
      expect(stored.sha256).toBe(sha256(data))
    },
  )

  it('checksum mismatch: 460 and none of the PATCH bytes count, across parts and the incomplete part', async () => {
    // "460 Checksum Mismatch if the checksums mismatch ... the uploaded chunk MUST be discarded,
    // and the upload and its offset MUST NOT be updated."
    const data = randomFile(14 * MiB)
    const url = await createUpload(data.length)
    // 1 MiB first: stored as the incomplete part, which the next PATCH consumes.
    const head = data.subarray(0, MiB)
    expect(
      (await patch(url, 0, head, { 'Upload-Checksum': `sha256 ${digests.sha256?.(head)}` })).status,
    ).toBe(204)
    // Two full parts and a new incomplete part, with the checksum of other bytes.
    const middle = data.subarray(MiB, 12 * MiB)
    const wrong = await patch(url, MiB, middle, {
      'Upload-Checksum': `sha256 ${digests.sha256?.(Buffer.from('other bytes'))}`,
    })
    expect(wrong.status).toBe(460)
    expect(await wrong.text()).toContain('Checksum Mismatch')
    expect(await offsetOf(url)).toBe(MiB)
    // The same bytes with their own checksum, then the rest: intact.
    const ok = await patch(url, MiB, middle, {
      'Upload-Checksum': `sha256 ${digests.sha256?.(middle)}`,
    })
    expect(ok.status).toBe(204)
    expect(await offsetOf(url)).toBe(12 * MiB)
    const tail = data.subarray(12 * MiB)
    expect(
      (await patch(url, 12 * MiB, tail, { 'Upload-Checksum': `crc32 ${digests.crc32?.(tail)}` }))
        .status,
    ).toBe(204)
    const stored = await objectSha256(app.storage.client, app.storage.bucket, keyOf(url))
    expect(stored.sha256).toBe(sha256(data))
    const documentId = keyOf(url).split('/').pop() ?? ''
    expect((await findDocumentById(app.db, documentId))?.status).toBe('uploaded')
  })

  it('checksum mismatch on the last PATCH: 460, upload not completed, offset unchanged', async () => {
    const data = randomFile(2 * MiB)
    const url = await createUpload(data.length)
    const res = await patch(url, 0, data, {
      'Upload-Checksum': `md5 ${digests.md5?.(Buffer.alloc(1))}`,
    })
    expect(res.status).toBe(460)
    expect(await offsetOf(url)).toBe(0)
    const documentId = keyOf(url).split('/').pop() ?? ''
    expect((await findDocumentById(app.db, documentId))?.status).toBe('pending')
    expect(
      (await patch(url, 0, data, { 'Upload-Checksum': `md5 ${digests.md5?.(data)}` })).status,
    ).toBe(204)
  })

  it('a checksummed PATCH cut short keeps none of its bytes (they cannot be verified)', async () => {
    const data = randomFile(12 * MiB)
    const url = await createUpload(data.length)
    const target = new URL(url)
    await new Promise<void>((resolve) => {
      const req = httpRequest({
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'PATCH',
        headers: {
          'Tus-Resumable': '1.0.0',
          Authorization: bearer('alice'),
          'Upload-Offset': '0',
          'Content-Type': 'application/offset+octet-stream',
          'Content-Length': String(data.length),
          'Upload-Checksum': `sha256 ${digests.sha256?.(data)}`,
        },
      })
      req.on('error', () => resolve())
      // Two whole 5 MiB parts reach the server (a plain PATCH would keep them), then the client goes.
      req.write(data.subarray(0, 11 * MiB), () =>
        setTimeout(() => {
          req.destroy()
          resolve()
        }, 1000),
      )
    })
    expect(await offsetOf(url)).toBe(0)
    const res = await patch(url, 0, data, { 'Upload-Checksum': `sha256 ${digests.sha256?.(data)}` })
    expect(res.status).toBe(204)
    const stored = await objectSha256(app.storage.client, app.storage.bucket, keyOf(url))
    expect(stored.sha256).toBe(sha256(data))
  })

  it('an unsupported Upload-Checksum algorithm gets 400 naming the supported ones', async () => {
    // "400 Bad Request if the checksum algorithm is not supported by the server"
    const url = await createUpload(100)
    const res = await patch(url, 0, Buffer.alloc(10), { 'Upload-Checksum': 'sha512 AAAA' })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('sha1, sha256, md5, crc32')
    const malformed = await patch(url, 0, Buffer.alloc(10), { 'Upload-Checksum': 'sha256' })
    expect(malformed.status).toBe(400)
    expect(await offsetOf(url)).toBe(0)
  })
})
