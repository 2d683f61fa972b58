import { createHash } from 'node:crypto'
import { createServer } from 'node:net'
import { testDatabase, testServices } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningApp, startApp } from './fixtures/app.ts'
import { bearer, freshConfig, MiB, randomFile } from './helpers.ts'

// tus refusals carry their @uplink/core catalogue code in Uplink-Error-Code (issue #22, item 4).
const ORIGIN = 'https://app.example'
let app: RunningApp
beforeAll(async () => {
  app = await startApp(await freshConfig({ allowedOrigins: [ORIGIN] }))
})
afterAll(() => app?.close())

const b64 = (s: string) => Buffer.from(s).toString('base64')
const pdf = `filename ${b64('a.pdf')},filetype ${b64('application/pdf')},purpose ${b64('document')}`
const tus = (userId: string, extra: Record<string, string> = {}) => ({
  'Tus-Resumable': '1.0.0',
  Authorization: bearer(userId),
  ...extra,
})

async function create(base: string, length: number, userId = 'carol') {
  return fetch(`${base}/files`, {
    method: 'POST',
    headers: tus(userId, { 'Upload-Length': String(length), 'Upload-Metadata': pdf }),
  })
}

async function createdUrl(length: number) {
  const res = await create(app.url, length)
  expect(res.status).toBe(201)
  return new URL(res.headers.get('location') ?? '', app.url).toString()
}

function patch(url: string, offset: number, body: Buffer, extra: Record<string, string> = {}) {
  return fetch(url, {
    method: 'PATCH',
    headers: tus('carol', {
      'Upload-Offset': String(offset),
      'Content-Type': 'application/offset+octet-stream',
      ...extra,
    }),
    body,
  })
}

/** Status, code header and body of an answer, to compare in one assertion. */
async function answer(res: Response) {
  return {
    status: res.status,
    code: res.headers.get('uplink-error-code'),
    body: await res.text(),
  }
}

describe('tus error answers', () => {
  it('a PATCH at the wrong offset answers 409 with code offset_mismatch', async () => {
    const url = await createdUrl(1000)
    expect(await answer(await patch(url, 10, randomFile(10)))).toMatchObject({
      status: 409,
      code: 'offset_mismatch',
    })
  })

  it('a PATCH whose Upload-Checksum does not match answers 460 with code checksum_mismatch and the reason', async () => {
    const url = await createdUrl(1000)
    const wrong = createHash('sha256').update('other bytes').digest('base64')
    const res = await patch(url, 0, randomFile(100), { 'Upload-Checksum': `sha256 ${wrong}` })
    const got = await answer(res)
    expect(got).toMatchObject({ status: 460, code: 'checksum_mismatch' })
    expect(got.body).toContain('resend them from the same Upload-Offset')
  })

  it("someone else's upload answers 404 with code upload_not_found", async () => {
    const url = await createdUrl(1000)
    const res = await fetch(url, { method: 'HEAD', headers: tus('mallory') })
    expect(res.status).toBe(404)
    expect(res.headers.get('uplink-error-code')).toBe('upload_not_found')
    const refused = await fetch(url, {
      method: 'PATCH',
      headers: tus('mallory', {
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
      }),
      body: randomFile(10),
    })
    expect(await answer(refused)).toEqual({
      status: 404,
      code: 'upload_not_found',
      body: 'upload not found\n',
    })
  })

  it('an upload over the policy answers 413 with code content_too_large and the limit in the body', async () => {
    const got = await answer(await create(app.url, 25 * MiB + 1))
    expect(got).toMatchObject({ status: 413, code: 'content_too_large' })
    expect(got.body).toContain('25 MiB limit')
  })

  it('answers @tus/server writes itself carry a code too, and browsers may read the header', async () => {
    const res = await fetch(`${app.url}/files`, {
      method: 'POST',
      headers: tus('carol', { 'Upload-Length': 'lots', 'Upload-Metadata': pdf, Origin: ORIGIN }),
    })
    expect(res.status).toBe(400)
    expect(res.headers.get('uplink-error-code')).toBe('bad_input')
    expect(res.headers.get('access-control-expose-headers')).toContain('Uplink-Error-Code')
  })
})

describe('tus answers during an S3 outage', () => {
  let down: RunningApp
  beforeAll(async () => {
    // A port nothing listens on: S3 refuses every connection.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as { port: number }
        probe.close(() => resolve(port))
      })
    })
    const { s3 } = testServices()
    down = await startApp({
      databaseUrl: await testDatabase(),
      s3: { ...s3, endpoint: `http://127.0.0.1:${port}` },
    })
  })
  afterAll(() => down?.close())

  it('a POST answers 503 with code unavailable and Retry-After', async () => {
    const res = await create(down.url, 1000)
    expect(await answer(res)).toMatchObject({ status: 503, code: 'unavailable' })
    expect(res.headers.get('retry-after')).toBe('5')
  })
})
