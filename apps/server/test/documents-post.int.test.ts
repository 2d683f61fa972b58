import { execFile } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort, type RunningClamd, startClamd } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'
import {
  cleanPdf,
  infectedPdf,
  keysOf,
  newUser,
  postForm,
  rowsOf,
  SYNC_POLICIES,
  sha256,
} from './support/inspection.ts'
import { formEnd, formPart, hangUpAfter, postRaw } from './support/raw-form.ts'

let clamd: RunningClamd
let h: Harness
beforeAll(async () => {
  clamd = await startClamd()
  h = await startHarness({
    UPLINK_POLICIES: SYNC_POLICIES,
    UPLINK_CLAMD: `${clamd.tcp.host}:${clamd.tcp.port}`,
  })
})
afterAll(async () => {
  await h?.close()
  await clamd?.stop()
})

const pdfPart = (body: Buffer) => ({ body, filename: 'a.pdf', type: 'application/pdf' })

describe('POST /documents for a purpose inspected synchronously', () => {
  it('answers 201 with a ready document and its SHA-256 once a clean PDF passed', async () => {
    const user = newUser()
    const pdf = cleanPdf(3000)
    const res = await postForm(h, user, [
      ['purpose', 'document'],
      ['file', pdfPart(pdf)],
    ])
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body).toMatchObject({
      status: 'ready',
      method: 'post',
      size: pdf.length,
      sha256: sha256(pdf),
      filename: 'a.pdf',
    })
    const download = await fetch(`${h.baseUrl}/documents/${res.body.id}/download`, {
      headers: { authorization: `Bearer ${await h.token(user)}` },
    })
    expect(Buffer.from(await download.arrayBuffer()).equals(pdf)).toBe(true)
    // Served key only: the staged copy is gone.
    expect(await keysOf(user)).toEqual([expect.not.stringMatching(/^staging\//)])
  })

  it('streams a file larger than one S3 part (multipart, checksummed) and serves its exact bytes', async () => {
    const user = newUser()
    const pdf = cleanPdf(6 * 1024 * 1024 + 12345)
    const res = await postForm(h, user, [
      ['purpose', 'document'],
      ['sha256', sha256(pdf)],
      ['file', pdfPart(pdf)],
    ])
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body).toMatchObject({ status: 'ready', size: pdf.length, sha256: sha256(pdf) })
    const download = await fetch(`${h.baseUrl}/documents/${res.body.id}/download`, {
      headers: { authorization: `Bearer ${await h.token(user)}` },
    })
    expect(sha256(Buffer.from(await download.arrayBuffer()))).toBe(sha256(pdf))
  })

  it('refuses the EICAR signature with 422 naming it, and keeps no bytes and no ready row', async () => {
    const user = newUser()
    const res = await postForm(h, user, [
      ['purpose', 'document'],
      ['file', pdfPart(infectedPdf(200))],
    ])
    expect(res.status).toBe(422)
    expect(res.body.message).toMatch(/malware found \(Uplink\.Test\.EICAR/)
    expect(await keysOf(user)).toEqual([])
    const rows = await rowsOf(h, user)
    expect(rows.map((r) => r.status)).toEqual(['rejected'])
    expect(rows[0]?.rejectionReason).toMatch(/malware found/)
  })

  it('counts a ready upload as started and completed and a refused one as failed (method post)', async () => {
    const count = async (name: string) => {
      const metric = await h.services.metrics.registry.getSingleMetric(name)?.get()
      const hit = metric?.values.find(
        (v) => v.labels.method === 'post' && v.labels.purpose === 'document',
      )
      return hit?.value ?? 0
    }
    const names = [
      'uplink_uploads_started_total',
      'uplink_uploads_completed_total',
      'uplink_uploads_failed_total',
    ]
    const before = await Promise.all(names.map(count))
    const user = newUser()
    expect(
      (
        await postForm(h, user, [
          ['purpose', 'document'],
          ['file', pdfPart(cleanPdf())],
        ])
      ).status,
    ).toBe(201)
    expect(
      (
        await postForm(h, user, [
          ['purpose', 'document'],
          ['file', pdfPart(infectedPdf())],
        ])
      ).status,
    ).toBe(422)
    const after = await Promise.all(names.map(count))
    expect(after.map((n, i) => n - (before[i] ?? 0))).toEqual([2, 1, 1])
  })

  it('takes the curl -F form: purpose first, then file=@a.pdf', async () => {
    const user = newUser()
    const dir = mkdtempSync(join(tmpdir(), 'uplink-curl-'))
    const pdf = cleanPdf(100)
    writeFileSync(join(dir, 'a.pdf'), pdf)
    const { stdout } = await promisify(execFile)(
      'curl',
      [
        '-s',
        '-w',
        '\n%{http_code}',
        '-H',
        `Authorization: Bearer ${await h.token(user)}`,
        '-F',
        'purpose=document',
        '-F',
        `file=@${join(dir, 'a.pdf')}`,
        `${h.baseUrl}/documents`,
      ],
      { cwd: dir },
    )
    const [body, status] = stdout.split('\n')
    expect(status).toBe('201')
    expect(JSON.parse(body ?? '')).toMatchObject({ status: 'ready', sha256: sha256(pdf) })
  })

  it('answers 400 saying purpose must come before the file when it comes after', async () => {
    const user = newUser()
    const res = await postForm(h, user, [
      ['file', pdfPart(cleanPdf())],
      ['purpose', 'document'],
    ])
    expect(res.status).toBe(400)
    expect(res.body.message).toMatch(/"purpose" must come before the file part/)
    expect(await keysOf(user)).toEqual([])
    expect(await rowsOf(h, user)).toEqual([])
  })

  it('refuses bytes that are not the declared type with 422', async () => {
    const user = newUser()
    const exe = Buffer.concat([
      Buffer.from('MZ'),
      Buffer.alloc(58),
      Buffer.from([0x40, 0, 0, 0, 0x50, 0x45, 0, 0]),
      Buffer.alloc(300),
    ])
    const res = await postForm(h, user, [
      ['purpose', 'document'],
      ['file', pdfPart(exe)],
    ])
    expect(res.status).toBe(422)
    expect(res.body.message).toMatch(/not the declared application\/pdf/)
    expect(await keysOf(user)).toEqual([])
  })

  it('refuses a file over the purpose limit with 413, storing nothing', async () => {
    const user = newUser()
    const res = await postForm(h, user, [
      ['purpose', 'note'],
      ['file', pdfPart(cleanPdf(2000))],
    ])
    expect(res.status).toBe(413)
    expect(res.body.message).toMatch(/over the 1000 bytes limit for purpose "note"/)
    expect(await keysOf(user)).toEqual([])
  })

  it('refuses bytes whose SHA-256 is not the declared one with 422', async () => {
    const user = newUser()
    const res = await postForm(h, user, [
      ['purpose', 'document'],
      ['sha256', sha256(Buffer.from('something else'))],
      ['file', pdfPart(cleanPdf())],
    ])
    expect(res.status).toBe(422)
    expect(res.body.message).toMatch(/but the client declared/)
    expect(await keysOf(user)).toEqual([])
  })

  it('honours a sha256 sent after the file: a wrong one is refused like one sent before', async () => {
    const pdf = cleanPdf()
    const wrong = sha256(Buffer.from('something else'))
    for (const parts of [
      [
        ['purpose', 'document'],
        ['sha256', wrong],
        ['file', pdfPart(pdf)],
      ],
      [
        ['purpose', 'document'],
        ['file', pdfPart(pdf)],
        ['sha256', wrong],
      ],
    ] as Parameters<typeof postForm>[2][]) {
      const user = newUser()
      const res = await postForm(h, user, parts)
      expect([res.status, res.body.message]).toEqual([
        422,
        `upload rejected: the bytes have SHA-256 ${sha256(pdf)} but the client declared ${wrong}`,
      ])
      expect(await keysOf(user)).toEqual([])
      expect((await rowsOf(h, user)).map((r) => r.status)).toEqual(['rejected'])
    }
  })

  it('takes a right sha256 sent after the file (fields in OpenAPI schema order)', async () => {
    const user = newUser()
    const pdf = cleanPdf(500)
    const res = await postForm(h, user, [
      ['purpose', 'document'],
      ['file', pdfPart(pdf)],
      ['sha256', sha256(pdf)],
    ])
    expect(res.status, JSON.stringify(res.body)).toBe(201)
    expect(res.body).toMatchObject({ status: 'ready', sha256: sha256(pdf) })
  })

  it('refuses a malformed sha256 after the file with 400, keeping nothing', async () => {
    const user = newUser()
    const res = await postForm(h, user, [
      ['purpose', 'document'],
      ['file', pdfPart(cleanPdf())],
      ['sha256', 'abc'],
    ])
    expect([res.status, res.body.message]).toEqual([
      400,
      'form field "sha256" must be the base64 SHA-256 of the whole file (44 characters)',
    ])
    expect(await keysOf(user)).toEqual([])
    expect((await rowsOf(h, user)).map((r) => r.status)).toEqual(['rejected'])
  })

  it('keeps nothing when the form fails after the file (a second file part)', async () => {
    const user = newUser()
    const res = await postForm(h, user, [
      ['purpose', 'document'],
      ['file', pdfPart(cleanPdf())],
      ['file', pdfPart(cleanPdf())],
    ])
    expect([res.status, res.body.message]).toEqual([400, 'send exactly one file part'])
    expect(await keysOf(user)).toEqual([])
    expect((await rowsOf(h, user)).map((r) => r.status)).toEqual(['rejected'])
  })

  it('keeps nothing when the client hangs up in the file or after it', async () => {
    const pdf = cleanPdf(200_000)
    const file = formPart('name="file"; filename="a.pdf"', pdf, 'application/pdf')
    const cuts = [
      // Within the file: the store must not wait for bytes that never come.
      file.subarray(0, file.length - 1000),
      // After the whole file, within a later field: the form never ended, so no answer is due.
      Buffer.concat([file, Buffer.from('--uplink-test-boundary\r\nContent-Disposition: fo')]),
    ]
    for (const cut of cuts) {
      const user = newUser()
      await hangUpAfter(
        h.baseUrl,
        await h.token(user),
        Buffer.concat([formPart('name="purpose"', 'document'), cut]),
      )
      await expect
        .poll(async () => (await rowsOf(h, user)).map((r) => r.status), { timeout: 20_000 })
        .toEqual(['rejected'])
      expect(await keysOf(user)).toEqual([])
    }
  })

  it('stores a UTF-8 filename as sent by curl -F file=@résumé.pdf', async () => {
    const user = newUser()
    const dir = mkdtempSync(join(tmpdir(), 'uplink-curl-'))
    writeFileSync(join(dir, 'résumé.pdf'), cleanPdf(100))
    const { stdout } = await promisify(execFile)(
      'curl',
      [
        '-s',
        '-H',
        `Authorization: Bearer ${await h.token(user)}`,
        '-F',
        'purpose=document',
        '-F',
        'file=@résumé.pdf;type=application/pdf',
        `${h.baseUrl}/documents`,
      ],
      { cwd: dir },
    )
    expect(JSON.parse(stdout)).toMatchObject({ status: 'ready', filename: 'résumé.pdf' })
  })

  it('answers 400 saying there are too many fields, not that the file is missing', async () => {
    const user = newUser()
    const fields = Array.from({ length: 10_000 }, (_, i): [string, string] => [`f${i}`, 'x'])
    const res = await postForm(h, user, [
      ['purpose', 'document'],
      ...fields,
      ['file', pdfPart(cleanPdf())],
    ])
    expect([res.status, res.body.message]).toEqual([
      400,
      'the form has too many fields (at most 10); send purpose, optional sha256 and file',
    ])
    expect(await rowsOf(h, user)).toEqual([])
  })

  it('refuses U+0000 in a form field or the file name with 400', async () => {
    const user = newUser()
    const token = await h.token(user)
    const pdf = cleanPdf()
    const field = await postRaw(
      h.baseUrl,
      token,
      Buffer.concat([
        formPart('name="purpose"', 'document'),
        formPart('name="note"', 'a\u0000b'),
        formPart('name="file"; filename="a.pdf"', pdf, 'application/pdf'),
        formEnd,
      ]),
    )
    expect([field.status, field.body.message]).toEqual([
      400,
      'form field "note" must not contain the NUL character (U+0000)',
    ])
    const name = await postRaw(
      h.baseUrl,
      token,
      Buffer.concat([
        formPart('name="purpose"', 'document'),
        formPart(`name="file"; filename*=UTF-8''a%00b.pdf`, pdf, 'application/pdf'),
        formEnd,
      ]),
    )
    expect([name.status, name.body.message]).toEqual([
      400,
      'the file name must not contain the NUL character (U+0000)',
    ])
    expect(await rowsOf(h, user)).toEqual([])
  })

  it('answers 413 to a Content-Length over the largest post limit before reading the body', async () => {
    const user = newUser()
    // Only the start of the form is sent: the answer must not wait for the other 30 MB.
    const start = Buffer.concat([
      formPart('name="purpose"', 'document'),
      formPart('name="file"; filename="a.pdf"', cleanPdf(), 'application/pdf'),
    ])
    const res = await postRaw(h.baseUrl, await h.token(user), start, 30_000_000)
    expect(res.status).toBe(413)
    expect(res.body.message).toMatch(
      /^the form is 30000000 bytes: POST \/documents takes files of at most 8 MiB \(the largest limit of a purpose that allows post\)/,
    )
    expect(await rowsOf(h, user)).toEqual([])
  })

  it("answers 413 once purpose is read when the Content-Length is over that purpose's limit", async () => {
    const user = newUser()
    const start = Buffer.concat([
      formPart('name="purpose"', 'note'),
      formPart('name="file"; filename="a.pdf"', cleanPdf(), 'application/pdf'),
    ])
    const res = await postRaw(h.baseUrl, await h.token(user), start, 2_000_000)
    expect([res.status, res.body.message]).toEqual([
      413,
      'upload rejected: the file is over the 1000 bytes limit for purpose "note"',
    ])
    expect(await keysOf(user)).toEqual([])
    expect(await rowsOf(h, user)).toEqual([])
  })

  it('refuses a wrong sha256 for an asynchronously checked purpose before the row is uploaded', async () => {
    const user = newUser()
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(100)])
    const res = await postForm(h, user, [
      ['purpose', 'image'],
      ['file', { body: png, filename: 'p.png', type: 'image/png' }],
      ['sha256', sha256(Buffer.from('other'))],
    ])
    expect([res.status, res.body.message]).toMatchObject([422, /but the client declared/])
    expect(await keysOf(user)).toEqual([])
    expect((await rowsOf(h, user)).map((r) => r.status)).toEqual(['rejected'])
  })

  it('stores a file of an asynchronously checked purpose and answers 201 uploaded', async () => {
    const user = newUser()
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(100)])
    const res = await postForm(h, user, [
      ['purpose', 'image'],
      ['file', { body: png, filename: 'p.png', type: 'image/png' }],
    ])
    expect(res.status).toBe(201)
    expect(res.body).toMatchObject({ status: 'uploaded', size: png.length, method: 'post' })
  })

  it('answers 401 without a token', async () => {
    const form = new FormData()
    form.append('purpose', 'document')
    const res = await fetch(`${h.baseUrl}/documents`, { method: 'POST', body: form })
    expect(res.status).toBe(401)
  })
})

describe('presigned uploads for a purpose inspected synchronously', () => {
  it('refuses presignPut, presignPost and multipart.create, naming tus and POST /documents', async () => {
    const api = await h.client(newUser())
    const input = {
      purpose: 'document',
      filename: 'a.pdf',
      contentType: 'application/pdf',
      size: 100,
    }
    for (const call of [
      () => api.uploads.presignPut.mutate(input),
      () => api.uploads.presignPost.mutate(input),
      () => api.multipart.create.mutate(input),
    ]) {
      await expect(call()).rejects.toThrow(
        /inspected synchronously .* upload it with tus \(\/files\) or POST \/documents/,
      )
    }
  })
})

describe('clamd unreachable', () => {
  it('fails closed: 503 with the reason, nothing stored', async () => {
    const down = await startHarness({
      UPLINK_POLICIES: SYNC_POLICIES,
      UPLINK_CLAMD: `127.0.0.1:${await freePort()}`,
    })
    try {
      const user = newUser()
      const res = await postForm(down, user, [
        ['purpose', 'document'],
        ['file', pdfPart(cleanPdf())],
      ])
      expect(res.status).toBe(503)
      expect(res.body.message).toMatch(/the virus scan could not run/)
      expect(await keysOf(user)).toEqual([])
      expect((await rowsOf(down, user)).map((r) => r.status)).toEqual(['rejected'])
    } finally {
      await down.close()
    }
  })
})
