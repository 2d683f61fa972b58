import { createHash } from 'node:crypto'
import { ListObjectsV2Command } from '@aws-sdk/client-s3'
import { findDocumentById } from '@uplink/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningApp, startApp } from './fixtures/app.ts'
import { bearer, freshConfig, MiB, randomFile } from './helpers.ts'

// Issue #26: the web app declares the whole file's SHA-256 on its last PATCH (RFC 9530
// Repr-Digest, as the IETF resumable-uploads draft does) instead of hashing before creation.
const ORIGIN = 'https://app.example'
const POLICIES = {
  // Inspected while the bytes pass: the last PATCH answers with the verdict, `ready` or refused.
  document: {
    contentTypes: ['application/pdf'],
    maxBytes: 64 * MiB,
    methods: ['tus' as const],
    inspection: 'sync' as const,
  },
  // Checked after the upload (the worker's content check): the PATCH leaves it `uploaded`.
  video: { contentTypes: ['video/mp4'], maxBytes: 64 * MiB, methods: ['tus' as const] },
}
const PATCH_BYTES = 2 * MiB

let app: RunningApp
beforeAll(async () => {
  app = await startApp(await freshConfig({ allowedOrigins: [ORIGIN], policies: POLICIES }))
})
afterAll(() => app?.close())

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('base64')
const sha512 = (b: Uint8Array) => createHash('sha512').update(b).digest('base64')
const b64 = (s: string) => Buffer.from(s).toString('base64')
const tus = (user: string, extra: Record<string, string> = {}) => ({
  'Tus-Resumable': '1.0.0',
  Authorization: bearer(user),
  ...extra,
})

/** A PDF that passes the type sniff, `size` bytes long (three PATCHes and a bit). */
function pdf(size = 3 * PATCH_BYTES + 1000): Buffer {
  const head = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n')
  const tail = Buffer.from('trailer << >>\n%%EOF\n')
  return Buffer.concat([head, randomFile(size - head.length - tail.length), tail])
}

/** Creates an upload of `data` as `purpose`, with `sha256` in its metadata when given. */
async function create(user: string, data: Buffer, purpose: string, metaSha256?: string) {
  const type = purpose === 'video' ? 'video/mp4' : 'application/pdf'
  const meta = [
    `filename ${b64('a.bin')}`,
    `filetype ${b64(type)}`,
    `purpose ${b64(purpose)}`,
    ...(metaSha256 ? [`sha256 ${b64(metaSha256)}`] : []),
  ].join(',')
  const res = await fetch(`${app.url}/files`, {
    method: 'POST',
    headers: tus(user, { 'Upload-Length': String(data.length), 'Upload-Metadata': meta }),
  })
  expect(res.status).toBe(201)
  const url = new URL(res.headers.get('location') ?? '', app.url).toString()
  return { url, documentId: res.headers.get('uplink-document-id') ?? '' }
}

function patch(user: string, url: string, offset: number, body: Buffer, digest?: string) {
  return fetch(url, {
    method: 'PATCH',
    headers: tus(user, {
      'Upload-Offset': String(offset),
      'Content-Type': 'application/offset+octet-stream',
      ...(digest !== undefined ? { 'Repr-Digest': digest } : {}),
    }),
    body,
  })
}

/** Sends `data` in PATCH_BYTES bodies; `digest` goes with the last one. Its answer is returned. */
async function send(user: string, url: string, data: Buffer, digest: string) {
  for (let at = 0; ; at += PATCH_BYTES) {
    const body = data.subarray(at, at + PATCH_BYTES)
    const last = at + body.length === data.length
    const res = await patch(user, url, at, body, last ? digest : undefined)
    if (last || res.status !== 204) return res
  }
}

async function answer(res: Response) {
  return { status: res.status, code: res.headers.get('uplink-error-code'), body: await res.text() }
}

async function keysUnder(prefix: string): Promise<string[]> {
  const res = await app.storage.client.send(
    new ListObjectsV2Command({ Bucket: app.storage.bucket, Prefix: prefix }),
  )
  return (res.Contents ?? []).map((o) => o.Key ?? '')
}

describe('Repr-Digest on a PATCH declares the whole file’s SHA-256', () => {
  it('declared at the final PATCH and right: the upload is ready with that SHA-256', async () => {
    const data = pdf()
    const { url, documentId } = await create('rita', data, 'document')
    // Another algorithm beside it is ignored (RFC 9530 lets a server ignore what it does not use).
    const res = await send(
      'rita',
      url,
      data,
      `sha-512=:${sha512(data)}:, sha-256=:${sha256(data)}:`,
    )
    expect(res.status).toBe(204)
    const doc = await findDocumentById(app.db, documentId)
    expect([doc?.status, doc?.sha256, doc?.declaredSha256]).toEqual([
      'ready',
      sha256(data),
      sha256(data),
    ])
  })

  it('declared at the final PATCH of an upload checked later: recorded before it becomes uploaded', async () => {
    const data = randomFile(3 * PATCH_BYTES + 10)
    const { url, documentId } = await create('rita', data, 'video')
    expect((await send('rita', url, data, `sha-256=:${sha256(data)}:`)).status).toBe(204)
    const doc = await findDocumentById(app.db, documentId)
    expect([doc?.status, doc?.declaredSha256]).toEqual(['uploaded', sha256(data)])
  })

  it('declared at the final PATCH and wrong: the upload is rejected and its object deleted', async () => {
    const data = pdf()
    const wrong = sha256(Buffer.from('other bytes'))
    const { url, documentId } = await create('sven', data, 'document')
    const got = await answer(await send('sven', url, data, `sha-256=:${wrong}:`))
    expect(got).toMatchObject({ status: 422, code: 'content_rejected' })
    expect(got.body).toContain(
      `the bytes have SHA-256 ${sha256(data)} but the client declared ${wrong}`,
    )
    const doc = await findDocumentById(app.db, documentId)
    expect([doc?.status, doc?.declaredSha256]).toEqual(['rejected', wrong])
    expect(await keysUnder(doc?.objectKey ?? '-')).toEqual([])
  })

  it('a digest other than the one in the creation metadata is refused 400 digest_conflict, its bytes not kept', async () => {
    const data = pdf()
    const other = sha256(Buffer.from('other bytes'))
    const { url, documentId } = await create('tara', data, 'document', sha256(data))
    const got = await answer(
      await patch('tara', url, 0, data.subarray(0, PATCH_BYTES), `sha-256=:${other}:`),
    )
    expect(got).toMatchObject({ status: 400, code: 'digest_conflict' })
    expect(got.body).toContain(
      `Repr-Digest declares SHA-256 ${other}, but this upload was declared with ${sha256(data)}`,
    )
    const head = await fetch(url, { method: 'HEAD', headers: tus('tara') })
    expect(head.headers.get('upload-offset')).toBe('0')
    // The same digest again is fine, at any PATCH.
    expect((await send('tara', url, data, `sha-256=:${sha256(data)}:`)).status).toBe(204)
    expect((await findDocumentById(app.db, documentId))?.status).toBe('ready')
  })

  it('a digest other than one an earlier PATCH declared is refused 400 digest_conflict', async () => {
    const data = pdf()
    const { url } = await create('tara', data, 'document')
    const first = data.subarray(0, PATCH_BYTES)
    expect((await patch('tara', url, 0, first, `sha-256=:${sha256(data)}:`)).status).toBe(204)
    const other = sha256(Buffer.from('other bytes'))
    const got = await answer(
      await patch(
        'tara',
        url,
        PATCH_BYTES,
        data.subarray(PATCH_BYTES, 2 * PATCH_BYTES),
        `sha-256=:${other}:`,
      ),
    )
    expect(got).toMatchObject({ status: 400, code: 'digest_conflict' })
  })

  it('a malformed Repr-Digest is refused 400 saying the expected form; other algorithms alone are ignored', async () => {
    const data = pdf()
    const { url, documentId } = await create('ugo', data, 'document')
    const first = data.subarray(0, PATCH_BYTES)
    for (const field of [`sha-256=${sha256(data)}`, 'sha-256=:c2hvcnQ=:']) {
      const got = await answer(await patch('ugo', url, 0, first, field))
      expect(got).toMatchObject({ status: 400, code: 'bad_input' })
      expect(got.body).toContain('sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:')
    }
    expect((await send('ugo', url, data, `sha-512=:${sha512(data)}:`)).status).toBe(204)
    const doc = await findDocumentById(app.db, documentId)
    expect([doc?.status, doc?.declaredSha256]).toEqual(['ready', null])
  })

  it('a page of an allowed origin may send Repr-Digest and read it', async () => {
    const preflight = await fetch(`${app.url}/files/x`, {
      method: 'OPTIONS',
      headers: {
        Origin: ORIGIN,
        'Access-Control-Request-Method': 'PATCH',
        'Access-Control-Request-Headers': 'repr-digest, upload-checksum',
      },
    })
    const allowed = preflight.headers.get('access-control-allow-headers') ?? ''
    expect(allowed.split(/\s*,\s*/)).toContain('Repr-Digest')
    const head = await fetch(`${app.url}/files`, { method: 'OPTIONS', headers: { Origin: ORIGIN } })
    expect(head.headers.get('access-control-expose-headers')?.split(/\s*,\s*/)).toContain(
      'Repr-Digest',
    )
  })
})
