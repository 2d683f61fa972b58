import { request } from 'node:http'
import {
  EICAR,
  freePort,
  type RunningClamd,
  startClamd,
  testDatabase,
  waitFor,
} from '@uplink/testing'
import * as tus from 'tus-js-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'
import { cleanPdf, keysOf, newUser, row, SYNC_POLICIES, sha256 } from './support/inspection.ts'

// Two instances on one database and bucket (a resume may land on either), a third whose clamd
// is unreachable, and a fourth that sends parts without checksums (S3_CHECKSUMS=false).
let clamd: RunningClamd
let a: Harness
let b: Harness
let down: Harness
let unchecked: Harness
beforeAll(async () => {
  clamd = await startClamd()
  const shared = { DATABASE_URL: await testDatabase(), UPLINK_POLICIES: SYNC_POLICIES }
  const clamdAt = `${clamd.tcp.host}:${clamd.tcp.port}`
  ;[a, b, down, unchecked] = await Promise.all([
    startHarness({ ...shared, UPLINK_CLAMD: clamdAt }),
    startHarness({ ...shared, UPLINK_CLAMD: clamdAt }),
    startHarness({ ...shared, UPLINK_CLAMD: `127.0.0.1:${await freePort()}` }),
    startHarness({ ...shared, UPLINK_CLAMD: clamdAt, S3_CHECKSUMS: 'false' }),
  ])
})
afterAll(async () => {
  await Promise.all([a?.close(), b?.close(), down?.close(), unchecked?.close()])
  await clamd?.stop()
})

/** A PDF with the EICAR signature near its start, then `pad` bytes. */
const infectedEarly = (pad: number) =>
  Buffer.concat([
    Buffer.from(`%PDF-1.7\n${EICAR}\n`),
    Buffer.alloc(pad, 0x20),
    Buffer.from('%%EOF\n'),
  ])

/** Whether `h` inspected the document by reading its object back from S3. */
const readBack = (h: Harness, id: string) =>
  h.logs.some((l) => l.includes(id) && l.includes('inspecting the upload from storage'))

const b64 = (s: string) => Buffer.from(s).toString('base64')

/** tus creation on `h`: the upload's URL and its document id. */
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

async function patch(h: Harness, user: string, path: string, offset: number, body: Buffer) {
  const res = await fetch(`${h.baseUrl}${path}`, {
    method: 'PATCH',
    headers: {
      authorization: `Bearer ${await h.token(user)}`,
      'Tus-Resumable': '1.0.0',
      'Upload-Offset': String(offset),
      'Content-Type': 'application/offset+octet-stream',
    },
    body,
  })
  return { status: res.status, body: await res.text(), retryAfter: res.headers.get('retry-after') }
}

async function head(h: Harness, user: string, path: string) {
  const res = await fetch(`${h.baseUrl}${path}`, {
    method: 'HEAD',
    headers: { authorization: `Bearer ${await h.token(user)}`, 'Tus-Resumable': '1.0.0' },
  })
  return { status: res.status, offset: Number(res.headers.get('upload-offset')) }
}

/**
 * A PATCH whose connection dies after `sent` bytes (the client went away): the bytes are
 * flushed to the socket, then it closes, so the server reads them and then a cut body.
 */
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

/** tus-js-client against `h`: the document id, and the error if the upload failed. */
function upload(h: Harness, token: string, file: Buffer, chunkSize?: number) {
  return new Promise<{ id: string | null; error?: tus.DetailedError }>((resolve) => {
    let id: string | null = null
    new tus.Upload(file, {
      endpoint: `${h.baseUrl}/files`,
      headers: { Authorization: `Bearer ${token}` },
      metadata: { filename: 'a.pdf', filetype: 'application/pdf', purpose: 'document' },
      retryDelays: [],
      ...(chunkSize ? { chunkSize } : {}),
      onAfterResponse: (_req, res) => {
        id ??= res.getHeader('Uplink-Document-Id') ?? null
      },
      onSuccess: () => resolve({ id }),
      onError: (error) => resolve({ id, error: error as tus.DetailedError }),
    }).start()
  })
}

describe('tus uploads of a purpose inspected synchronously', () => {
  it('finishes a clean PDF with 204 and a ready document with its SHA-256', async () => {
    const user = newUser()
    const pdf = cleanPdf(50_000)
    const result = await upload(a, await a.token(user), pdf)
    expect(result.error).toBeUndefined()
    const doc = await row(a, result.id!)
    expect(doc).toMatchObject({ status: 'ready', sha256: sha256(pdf), sizeBytes: pdf.length })
    // Every byte passed through this instance: inspected as it streamed, not read back.
    expect(readBack(a, result.id!)).toBe(false)
  })

  it('reads a clean upload back when its parts were sent without checksums (S3_CHECKSUMS=false)', async () => {
    // Nothing proved the stored bytes equal the ones that streamed through: the verdict and the
    // SHA-256 must come from the object itself.
    const pdf = cleanPdf(50_000)
    const result = await upload(unchecked, await unchecked.token(newUser()), pdf)
    expect(result.error).toBeUndefined()
    expect(await row(unchecked, result.id!)).toMatchObject({ status: 'ready', sha256: sha256(pdf) })
    expect(readBack(unchecked, result.id!)).toBe(true)
  })

  it('keeps one inspection across the PATCHes of an upload of several S3 parts', async () => {
    const user = newUser()
    const pdf = cleanPdf(7 * 1024 * 1024)
    const result = await upload(a, await a.token(user), pdf, 3 * 1024 * 1024)
    expect(result.error).toBeUndefined()
    expect(await row(a, result.id!)).toMatchObject({ status: 'ready', sha256: sha256(pdf) })
    expect(readBack(a, result.id!)).toBe(false)
  })

  it('answers the final PATCH with 422 naming EICAR, and deletes the upload and its object', async () => {
    const user = newUser()
    const result = await upload(a, await a.token(user), infectedEarly(10_000))
    expect(result.error?.originalResponse?.getStatus()).toBe(422)
    expect(result.error?.originalResponse?.getBody()).toMatch(/malware found \(Uplink\.Test\.EICAR/)
    expect(await keysOf(user)).toEqual([])
    expect((await row(a, result.id!))?.status).toBe('rejected')
  })

  it('still inspects an upload cut short on one instance and finished on another', async () => {
    const user = newUser()
    const file = infectedEarly(300_000)
    const { path, id } = await create(a, user, file.length)
    await cutPatch(a, user, path, file, 100_000)
    // The bytes before the cut (the signature among them) went through instance a only; the
    // offset moves once instance a has stored them.
    const at = await waitFor(
      async () => {
        const now = await head(b, user, path)
        return now.status === 200 && now.offset > EICAR.length + 10 && now
      },
      { what: 'instance a to store the bytes before the cut' },
    )
    const last = await patch(b, user, path, at.offset, file.subarray(at.offset))
    expect(last.status).toBe(422)
    expect(last.body).toMatch(/malware found/)
    expect(readBack(b, id)).toBe(true)
    expect(await keysOf(user)).toEqual([])
    expect((await row(a, id))?.status).toBe('rejected')
  })

  it('gives a clean upload resumed on another instance the digest of all its bytes', async () => {
    const user = newUser()
    const pdf = cleanPdf(200_000)
    const { path, id } = await create(a, user, pdf.length)
    expect((await patch(a, user, path, 0, pdf.subarray(0, 80_000))).status).toBe(204)
    expect((await patch(b, user, path, 80_000, pdf.subarray(80_000))).status).toBe(204)
    expect(await row(a, id)).toMatchObject({ status: 'ready', sha256: sha256(pdf) })
  })

  it('fails closed with 503 and Retry-After while clamd is unreachable, and settles on the next HEAD', async () => {
    const user = newUser()
    const pdf = cleanPdf(1000)
    const { path, id } = await create(down, user, pdf.length)
    const last = await patch(down, user, path, 0, pdf)
    expect(last.status).toBe(503)
    expect(last.body).toMatch(/the virus scan could not run/)
    expect(last.retryAfter).toBe('5')
    expect((await row(a, id))?.status).toBe('pending')
    // A HEAD on the instance that still cannot scan answers the same 503, Retry-After too.
    const again = await fetch(`${down.baseUrl}${path}`, {
      method: 'HEAD',
      headers: { authorization: `Bearer ${await down.token(user)}`, 'Tus-Resumable': '1.0.0' },
    })
    expect([again.status, again.headers.get('retry-after')]).toEqual([503, '5'])
    // The client resumes: HEAD finds every byte there, so it is inspected before HEAD says so.
    expect(await head(a, user, path)).toEqual({ status: 200, offset: pdf.length })
    expect(await row(a, id)).toMatchObject({ status: 'ready', sha256: sha256(pdf) })
  })

  it('refuses on HEAD an upload found infected after a 503, deleting it', async () => {
    const user = newUser()
    const file = infectedEarly(100)
    const { path, id } = await create(down, user, file.length)
    expect((await patch(down, user, path, 0, file)).status).toBe(503)
    expect((await head(b, user, path)).status).toBe(422)
    expect(await keysOf(user)).toEqual([])
    expect((await row(a, id))?.status).toBe('rejected')
  })
})
