import { request } from 'node:http'
import { testDatabase, testServices, waitFor } from '@uplink/testing'
import { sql } from 'kysely'
import * as tus from 'tus-js-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'
import { newUser, row, sha256 } from './support/inspection.ts'
import { type S3Counter, startS3Counter } from './support/s3-counter.ts'
import { randomPdf } from './support/tus-requests.ts'

// `document` is inspected asynchronously (the default policies). Every S3 request of these
// servers passes a counter, so a test can see whether the content check read the object back.
const { s3 } = testServices()
let counter: S3Counter
let lax: S3Counter
let a: Harness
let b: Harness
let off: Harness
let accepting: Harness
beforeAll(async () => {
  counter = await startS3Counter(s3.endpoint)
  // A store that stores a body whatever its checksum says (as the probe sees it).
  lax = await startS3Counter(s3.endpoint, { acceptKeysUnder: 'uplink-probes/' })
  const worker = { UPLINK_WORKER: 'true', UPLINK_RECONCILE_INTERVAL_MINUTES: '0' }
  const shared = { DATABASE_URL: await testDatabase(), S3_ENDPOINT: counter.endpoint }
  ;[a, b, off, accepting] = await Promise.all([
    startHarness({ ...shared, ...worker }),
    // A second instance on the same database and bucket, without a worker.
    startHarness(shared),
    startHarness({ ...worker, S3_ENDPOINT: counter.endpoint, S3_CHECKSUMS: 'false' }),
    startHarness({ ...worker, S3_ENDPOINT: lax.endpoint }),
  ])
  // Each process probes its store on its first tus upload and reads uploads back until the
  // answer is in: one upload each, then the answer, before any test counts requests.
  await Promise.all(
    [a, off, accepting].map((h) =>
      upload(h, newUser(), randomPdf(10_000)).then((id) => settled(h, id)),
    ),
  )
  await waitFor(() => a.logs.some((l) => l.includes('the store refuses wrong checksums')), {
    what: 'instance a to probe its store',
  })
  await waitFor(() => accepting.logs.some((l) => l.includes('does not refuse wrong checksums')), {
    what: 'the accepting store to be probed',
  })
})
afterAll(async () => {
  await Promise.all([a?.close(), b?.close(), off?.close(), accepting?.close()])
  await Promise.all([counter?.close(), lax?.close()])
})

/** The start of a Windows executable: what a renamed .exe looks like to a sniffer. */
const exe = Buffer.concat([
  Buffer.from('MZ'),
  Buffer.alloc(58),
  Buffer.from([0x40, 0, 0, 0]),
  Buffer.from('PE\0\0'),
  Buffer.alloc(4000, 7),
])

const b64 = (s: string) => Buffer.from(s).toString('base64')

/** tus-js-client against `h` (one PATCH): the document id once the upload succeeded. */
function upload(h: Harness, user: string, file: Buffer, metadata: Record<string, string> = {}) {
  return new Promise<string>((resolve, reject) => {
    let id: string | null = null
    void h.token(user).then((token) =>
      new tus.Upload(file, {
        endpoint: `${h.baseUrl}/files`,
        headers: { Authorization: `Bearer ${token}` },
        metadata: {
          filename: 'a.pdf',
          filetype: 'application/pdf',
          purpose: 'document',
          ...metadata,
        },
        retryDelays: [],
        onAfterResponse: (_req, res) => {
          id ??= res.getHeader('Uplink-Document-Id') ?? null
        },
        onSuccess: () => resolve(id!),
        onError: reject,
      }).start(),
    )
  })
}

/** The document once the content check has settled it (left `uploaded`). */
const settled = (h: Harness, id: string) =>
  waitFor(
    async () => {
      const doc = await row(h, id)
      return doc && doc.status !== 'uploaded' && doc.status !== 'pending' && doc
    },
    { what: `document ${id} to be checked` },
  )

/** Content-check jobs of the document still in the queue (queued, running or dead). */
const jobsOf = async (h: Harness, id: string) =>
  (
    await sql<{
      status: string
    }>`select status from jobs where key = ${`check-content:${id}`}`.execute(h.services.db)
  ).rows

/** GETs of the document's whole object through `c`. */
async function gets(c: S3Counter, h: Harness, id: string) {
  const doc = await row(h, id)
  return c.requests.filter(
    (r) =>
      r.method === 'GET' &&
      r.path === `/${s3.bucket}/${doc!.objectKey}` &&
      !r.query.includes('uploadId'),
  ).length
}

async function create(h: Harness, user: string, size: number) {
  const res = await fetch(`${h.baseUrl}/files`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await h.token(user)}`,
      'Tus-Resumable': '1.0.0',
      'Upload-Length': String(size),
      'Upload-Metadata': `filename ${b64('a.pdf')},filetype ${b64('application/pdf')},purpose ${b64('document')}`,
    },
  })
  expect(res.status).toBe(201)
  return { path: res.headers.get('location')!, id: res.headers.get('uplink-document-id')! }
}

async function patch(
  h: Harness,
  user: string,
  path: string,
  offset: number,
  body: Buffer,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${h.baseUrl}${path}`, {
    method: 'PATCH',
    headers: {
      authorization: `Bearer ${await h.token(user)}`,
      'Tus-Resumable': '1.0.0',
      'Upload-Offset': String(offset),
      'Content-Type': 'application/offset+octet-stream',
      ...headers,
    },
    body,
  })
  return res.status
}

async function offsetOf(h: Harness, user: string, path: string) {
  const res = await fetch(`${h.baseUrl}${path}`, {
    method: 'HEAD',
    headers: { authorization: `Bearer ${await h.token(user)}`, 'Tus-Resumable': '1.0.0' },
  })
  return Number(res.headers.get('upload-offset'))
}

/** A PATCH whose connection dies after `sent` of its bytes (the client went away). */
async function cutPatch(h: Harness, user: string, path: string, bytes: Buffer, sent: number) {
  const token = await h.token(user)
  await new Promise<void>((resolve) => {
    const req = request(`${h.baseUrl}${path}`, {
      method: 'PATCH',
      agent: false,
      headers: {
        authorization: `Bearer ${token}`,
        'Tus-Resumable': '1.0.0',
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
        'Content-Length': String(bytes.length),
      },
    })
    req.on('error', () => {}).on('close', () => resolve())
    req.write(bytes.subarray(0, sent), () => req.destroy())
  })
}

describe('the content check of an async tus upload, from the PATCH stream', () => {
  it('makes a one-PATCH upload ready with its SHA-256 without reading the object back', async () => {
    const pdf = randomPdf(300_000)
    const id = await upload(a, newUser(), pdf)
    expect(await settled(a, id)).toMatchObject({ status: 'ready', sha256: sha256(pdf) })
    expect(await gets(counter, a, id)).toBe(0)
    // The job the move to `uploaded` queued ran and is gone.
    await waitFor(async () => (await jobsOf(a, id)).length === 0, { what: 'the job to finish' })
  })

  it('rejects a renamed executable from the stream, without reading it back', async () => {
    const id = await upload(a, newUser(), exe)
    const doc = await settled(a, id)
    expect(doc).toMatchObject({ status: 'rejected', sha256: null })
    expect(doc.rejectionReason).toMatch(/^the content is .+, not the declared application\/pdf$/)
    expect(await gets(counter, a, id)).toBe(0)
    expect(await a.services.storage.head(doc.objectKey)).toBeUndefined()
    await waitFor(async () => (await jobsOf(a, id)).length === 0, { what: 'the job to finish' })
  })

  it('makes an upload whose declared SHA-256 matches ready, from the stream', async () => {
    const pdf = randomPdf(50_000)
    const id = await upload(a, newUser(), pdf, { sha256: sha256(pdf) })
    expect(await settled(a, id)).toMatchObject({ status: 'ready', sha256: sha256(pdf) })
    expect(await gets(counter, a, id)).toBe(0)
  })

  it('rejects an upload whose bytes differ from its declared SHA-256, from the stream', async () => {
    const pdf = randomPdf(50_000)
    const declared = sha256(randomPdf(50_000))
    const id = await upload(a, newUser(), pdf, { sha256: declared })
    expect(await settled(a, id)).toMatchObject({
      status: 'rejected',
      sha256: null,
      rejectionReason: `the stored bytes have SHA-256 ${sha256(pdf)} but the client declared ${declared}`,
    })
    expect(await gets(counter, a, id)).toBe(0)
  })

  it('rejects an upload whose last PATCH declares another SHA-256 in Repr-Digest, from the stream', async () => {
    const user = newUser()
    const pdf = randomPdf(60_000)
    const declared = sha256(randomPdf(60_000))
    const { path, id } = await create(a, user, pdf.length)
    const digest = { 'Repr-Digest': `sha-256=:${declared}:` }
    expect(await patch(a, user, path, 0, pdf, digest)).toBe(204)
    expect(await settled(a, id)).toMatchObject({
      status: 'rejected',
      rejectionReason: `the stored bytes have SHA-256 ${sha256(pdf)} but the client declared ${declared}`,
    })
    expect(await gets(counter, a, id)).toBe(0)
  })

  it('reads back an upload whose bytes were split between two instances', async () => {
    const user = newUser()
    const pdf = randomPdf(400_000)
    const { path, id } = await create(a, user, pdf.length)
    expect(await patch(a, user, path, 0, pdf.subarray(0, 150_000))).toBe(204)
    expect(await patch(b, user, path, 150_000, pdf.subarray(150_000))).toBe(204)
    expect(await settled(a, id)).toMatchObject({ status: 'ready', sha256: sha256(pdf) })
    expect(await gets(counter, a, id)).toBeGreaterThanOrEqual(1)
  })

  it('reads back an upload whose PATCH failed at the store, then resumed', async () => {
    const user = newUser()
    const pdf = randomPdf(400_000)
    const { path, id } = await create(a, user, pdf.length)
    expect(await patch(a, user, path, 0, pdf.subarray(0, 150_000))).toBe(204)
    const key = (await row(a, id))!.objectKey
    // S3 fails the read of the first PATCH's bytes (the `.part` object) that the last PATCH
    // joins to its own: the PATCH fails, the first PATCH's bytes stay stored.
    const heal = counter.fail((r) => r.method === 'GET' && r.path === `/${s3.bucket}/${key}.part`)
    expect(await patch(a, user, path, 150_000, pdf.subarray(150_000))).not.toBe(204)
    heal()
    const at = await offsetOf(a, user, path)
    expect(at).toBe(150_000)
    expect(await patch(a, user, path, at, pdf.subarray(at))).toBe(204)
    expect(await settled(a, id)).toMatchObject({ status: 'ready', sha256: sha256(pdf) })
    expect(await gets(counter, a, id)).toBeGreaterThanOrEqual(1)
  })

  it('reads back an upload cut mid-PATCH on one instance and resumed on another', async () => {
    const user = newUser()
    const pdf = randomPdf(400_000)
    const { path, id } = await create(a, user, pdf.length)
    await cutPatch(a, user, path, pdf, 200_000)
    // The offset moves once instance a has stored the bytes before the cut.
    const at = await waitFor(async () => await offsetOf(b, user, path), {
      what: 'the bytes before the cut to be stored',
    })
    expect(await patch(b, user, path, at, pdf.subarray(at))).toBe(204)
    expect(await settled(a, id)).toMatchObject({ status: 'ready', sha256: sha256(pdf) })
    expect(await gets(counter, a, id)).toBeGreaterThanOrEqual(1)
  })

  it('finishes an upload cut mid-PATCH and resumed on the same instance with the right SHA-256', async () => {
    // The store ends a cut body gracefully and keeps what arrived; the session saw exactly
    // those bytes (its size is the stored offset), so it may go on — as for sync purposes.
    const user = newUser()
    const pdf = randomPdf(400_000)
    const { path, id } = await create(a, user, pdf.length)
    await cutPatch(a, user, path, pdf, 200_000)
    const at = await waitFor(async () => await offsetOf(a, user, path), {
      what: 'the bytes before the cut to be stored',
    })
    expect(await patch(a, user, path, at, pdf.subarray(at))).toBe(204)
    expect(await settled(a, id)).toMatchObject({ status: 'ready', sha256: sha256(pdf) })
  })

  it('reads back every upload when part checksums are off (S3_CHECKSUMS=false)', async () => {
    const pdf = randomPdf(100_000)
    const id = await upload(off, newUser(), pdf)
    expect(await settled(off, id)).toMatchObject({ status: 'ready', sha256: sha256(pdf) })
    expect(await gets(counter, off, id)).toBe(1)
  })

  it('reads back every upload when the store stores a body with a wrong checksum', async () => {
    const pdf = randomPdf(100_000)
    const id = await upload(accepting, newUser(), pdf)
    expect(await settled(accepting, id)).toMatchObject({ status: 'ready', sha256: sha256(pdf) })
    expect(await gets(lax, accepting, id)).toBe(1)
    // A renamed executable is then rejected by the read-back, as before.
    const bad = await upload(accepting, newUser(), exe)
    expect(await settled(accepting, bad)).toMatchObject({ status: 'rejected' })
    expect(await gets(lax, accepting, bad)).toBe(1)
  })
})
