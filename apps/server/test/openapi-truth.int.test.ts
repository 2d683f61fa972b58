import { createHash } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { MiB } from '@uplink/core'
import { OpenAPIBackend } from 'openapi-backend'
import type { OpenAPIV3_1 } from 'openapi-types'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

// Every /api operation gets valid and invalid requests; every answer (status, headers, body) is
// validated against the served document by openapi-backend (ajv), not by hand-written checks.

const PUBLIC_URL = 'https://uplink.example.com'
let h: Harness
let doc: OpenAPIV3_1.Document
let api: OpenAPIBackend
beforeAll(async () => {
  h = await startHarness({
    UPLINK_PUBLIC_URL: PUBLIC_URL,
    // Small limits so that 403 and 429 can be reached; each case below uses its own user.
    UPLINK_QUOTA_PENDING_UPLOADS: '6',
    UPLINK_RATE_LIMIT_UPLOADS: '8/600',
  })
  doc = (await (await fetch(`${h.baseUrl}/api/openapi.json`)).json()) as OpenAPIV3_1.Document
  // quick: openapi-backend checks documents against the OpenAPI 3.0 schema only; this one is
  // 3.1 (internal-apps.int.test.ts validates it with swagger-parser).
  api = new OpenAPIBackend({ definition: structuredClone(doc) as never, quick: true })
  await api.init()
})
afterAll(async () => {
  await h.close()
})

interface Answer {
  status: number
  headers: Record<string, string>
  body: unknown
  contentType: string | undefined
}
/** Which statuses each operation was seen answering (every operation must see 2xx and 4xx). */
const seen = new Map<string, Set<number>>()

/** Sends a request and validates the answer against operation `operationId` of the document. */
async function exchange(
  operationId: string,
  init: {
    path: string
    method: string
    token?: string | null
    body?: unknown
    raw?: string | FormData
    headers?: Record<string, string>
  },
): Promise<Answer> {
  const headers: Record<string, string> = { ...init.headers }
  if (init.token !== null)
    headers.authorization = `Bearer ${init.token ?? (await h.token('owner'))}`
  if (init.body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(`${h.baseUrl}${init.path}`, {
    method: init.method,
    headers,
    body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  })
  const text = await res.text()
  const contentType = res.headers.get('content-type')?.split(';')[0]
  const answer: Answer = {
    status: res.status,
    headers: Object.fromEntries(res.headers),
    body: text && contentType === 'application/json' ? JSON.parse(text) : text,
    contentType,
  }
  validate(operationId, answer)
  return answer
}

function validate(operationId: string, answer: Answer) {
  const op = api.getOperation(operationId)
  expect(op, operationId).toBeDefined()
  const what = `${operationId} answered ${answer.status} ${JSON.stringify(answer.body)}`
  const declared = op?.responses?.[String(answer.status)] as OpenAPIV3_1.ResponseObject | undefined
  expect(declared, `${what}: status not declared`).toBeDefined()
  if (answer.body !== '') {
    expect(Object.keys(declared?.content ?? {}), `${what}: content type`).toContain(
      answer.contentType,
    )
  }
  const body = api.validateResponse(answer.body, operationId, answer.status)
  expect(body.errors, what).toBeNull()
  const headers = api.validateResponseHeaders(answer.headers, operationId, {
    statusCode: answer.status,
    setMatchType: 'superset' as never,
  })
  expect(headers.errors, `${what}: headers`).toBeNull()
  seen.set(operationId, (seen.get(operationId) ?? new Set()).add(answer.status))
}

const pdf = Buffer.from(`%PDF-1.7 ${'x'.repeat(990)}\n`)
const pdfRequest = {
  purpose: 'document',
  filename: 'a.pdf',
  contentType: 'application/pdf',
  size: pdf.length,
}
const MISSING = '00000000-0000-4000-8000-000000000000'

/** A presigned PUT, its bytes sent, and confirmed: an `uploaded` document id. */
async function uploaded(token: string): Promise<string> {
  const up = await exchange('uploads-presignPut', {
    method: 'POST',
    path: '/api/uploads/presign-put',
    token,
    body: pdfRequest,
  })
  const { documentId, url, headers } = up.body as {
    documentId: string
    url: string
    headers: Record<string, string>
  }
  expect((await fetch(url, { method: 'PUT', headers, body: pdf })).status).toBe(200)
  const confirmed = await exchange('uploads-confirm', {
    method: 'POST',
    path: '/api/uploads/confirm',
    token,
    body: { documentId },
  })
  expect(confirmed.status).toBe(200)
  return documentId
}

describe('the served document', () => {
  it('names its server from UPLINK_PUBLIC_URL, whatever Host the request carries', async () => {
    expect(doc.servers).toEqual([{ url: PUBLIC_URL }])
    const other = await new Promise<OpenAPIV3_1.Document>((resolve, reject) => {
      const req = httpRequest(
        `${h.baseUrl}/api/openapi.json`,
        { headers: { host: 'evil.example' } },
        (res) => {
          let text = ''
          res.on('data', (c) => {
            text += c
          })
          res.on('end', () => resolve(JSON.parse(text)))
        },
      )
      req.on('error', reject)
      req.end()
    })
    expect(other.servers).toEqual([{ url: PUBLIC_URL }])
    // Every path is relative to that one server: /api routes, POST /documents and tus alike.
    for (const item of Object.values(doc.paths ?? {})) {
      for (const op of Object.values(item ?? {}))
        expect((op as { servers?: unknown }).servers).toBeUndefined()
    }
    expect(Object.keys(doc.paths ?? {})).toEqual(
      expect.arrayContaining([
        '/api/documents',
        '/documents',
        '/files',
        '/files/{owner}/{purpose}/{uploadId}',
      ]),
    )
  })

  it('lists the purposes and content types the running policies accept, per upload method', () => {
    const body = (id: string, path: string) => {
      const op = doc.paths?.[path]?.post as OpenAPIV3_1.OperationObject
      const schema = (op.requestBody as OpenAPIV3_1.RequestBodyObject).content['application/json']
        ?.schema as OpenAPIV3_1.SchemaObject
      expect(op.operationId).toBe(id)
      return schema.properties as Record<string, OpenAPIV3_1.SchemaObject>
    }
    expect(body('uploads-presignPut', '/api/uploads/presign-put').purpose?.enum).toEqual([
      'document',
      'image',
    ])
    expect(body('multipart-create', '/api/uploads/multipart').purpose?.enum).toEqual(['video'])
    expect(body('multipart-create', '/api/uploads/multipart').contentType?.enum).toContain(
      'video/mp4',
    )
  })
})

describe('every /api operation answers what the document declares', () => {
  it('presign-put, presign-post and multipart create: 200, 400, 401, 403, 413, 415, 429', async () => {
    for (const [id, path, request] of [
      ['uploads-presignPut', '/api/uploads/presign-put', pdfRequest],
      ['uploads-presignPost', '/api/uploads/presign-post', pdfRequest],
      [
        'multipart-create',
        '/api/uploads/multipart',
        { purpose: 'video', filename: 'v.mp4', contentType: 'video/mp4', size: 6 * MiB },
      ],
    ] as const) {
      const token = await h.token(`start-${id}`)
      expect((await exchange(id, { method: 'POST', path, token, body: request })).status).toBe(200)
      expect(
        (await exchange(id, { method: 'POST', path, token: null, body: request })).status,
      ).toBe(401)
      const bad = await exchange(id, {
        method: 'POST',
        path,
        token,
        body: { ...request, size: -1, purpose: '' },
      })
      expect(bad).toMatchObject({
        status: 400,
        body: { code: 'bad_input', issues: expect.any(Array) },
      })
      const policy = await exchange(id, {
        method: 'POST',
        path,
        token,
        body: { ...request, contentType: 'text/html' },
      })
      expect(policy).toMatchObject({ status: 400, body: { code: 'policy_violation' } })
      expect(
        (await exchange(id, { method: 'POST', path, token, raw: JSON.stringify(request) })).status,
      ).toBe(415)
      const huge = await exchange(id, {
        method: 'POST',
        path,
        token,
        body: { ...request, filename: 'x'.repeat(70_000) },
      })
      expect(huge.status).toBe(413)
      // Quota (6 pending) and rate limit (8 starts) for a user of its own.
      const busy = await h.token(`busy-${id}`)
      const statuses: number[] = []
      for (let i = 0; i < 9; i++)
        statuses.push(
          (await exchange(id, { method: 'POST', path, token: busy, body: request })).status,
        )
      expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 403, 403, 429])
    }
  })

  it('confirm: 200, 400, 401, 404, 412', async () => {
    const token = await h.token('confirm')
    await uploaded(token)
    const pending = await exchange('uploads-presignPut', {
      method: 'POST',
      path: '/api/uploads/presign-put',
      token,
      body: pdfRequest,
    })
    const documentId = (pending.body as { documentId: string }).documentId
    const path = '/api/uploads/confirm'
    expect(
      (await exchange('uploads-confirm', { method: 'POST', path, token, body: { documentId } }))
        .status,
    ).toBe(412)
    expect(
      (
        await exchange('uploads-confirm', {
          method: 'POST',
          path,
          token,
          body: { documentId: MISSING },
        })
      ).status,
    ).toBe(404)
    expect(
      (
        await exchange('uploads-confirm', {
          method: 'POST',
          path,
          token,
          body: { documentId: 'nope' },
        })
      ).status,
    ).toBe(400)
    expect(
      (
        await exchange('uploads-confirm', {
          method: 'POST',
          path,
          token: null,
          body: { documentId },
        })
      ).status,
    ).toBe(401)
  })

  it('documents: list, byId, download-url and delete; empty enum values are refused', async () => {
    const token = await h.token('documents')
    const id = await uploaded(token)
    const pending = await exchange('uploads-presignPut', {
      method: 'POST',
      path: '/api/uploads/presign-put',
      token,
      body: pdfRequest,
    })
    const pendingId = (pending.body as { documentId: string }).documentId
    const get = (opId: string, path: string, t: string | null = token) =>
      exchange(opId, { method: 'GET', path, token: t })
    expect(
      (await get('documents-list', '/api/documents?limit=10&sort=name&status=uploaded')).status,
    ).toBe(200)
    expect((await get('documents-list', '/api/documents?limit=0')).status).toBe(400)
    expect((await get('documents-list', '/api/documents?sort=')).status).toBe(400)
    expect((await get('documents-list', '/api/documents?status=')).status).toBe(400)
    expect((await get('documents-list', '/api/documents', null)).status).toBe(401)
    expect((await get('documents-byId', `/api/documents/${id}`)).status).toBe(200)
    expect((await get('documents-byId', `/api/documents/${MISSING}`)).status).toBe(404)
    expect((await get('documents-byId', '/api/documents/not-a-uuid')).status).toBe(400)
    expect((await get('documents-downloadUrl', `/api/documents/${id}/download-url`)).status).toBe(
      200,
    )
    expect(
      (await get('documents-downloadUrl', `/api/documents/${pendingId}/download-url`)).status,
    ).toBe(412)
    expect(
      (await get('documents-downloadUrl', `/api/documents/${MISSING}/download-url`)).status,
    ).toBe(404)
    const del = (path: string, t: string | null = token) =>
      exchange('documents-delete', { method: 'DELETE', path, token: t })
    expect((await del(`/api/documents/${id}`, null)).status).toBe(401)
    expect((await del(`/api/documents/${id}`)).status).toBe(200)
    expect((await del(`/api/documents/${id}`)).status).toBe(404)
    expect((await del('/api/documents/not-a-uuid')).status).toBe(400)
  })

  it('the multipart flow: sign, list, complete, abort, and each refusal', async () => {
    const token = await h.token('multipart')
    const data = Buffer.alloc(6 * MiB, 7)
    const created = await exchange('multipart-create', {
      method: 'POST',
      path: '/api/uploads/multipart',
      token,
      body: { purpose: 'video', filename: 'v.mp4', contentType: 'video/mp4', size: data.length },
    })
    const id = (created.body as { documentId: string }).documentId
    const base = `/api/uploads/multipart/${id}`
    const sign = (parts: unknown, path = `${base}/sign-parts`) =>
      exchange('multipart-signParts', { method: 'POST', path, token, body: { parts } })
    const list = (path = `${base}/parts`) =>
      exchange('multipart-listParts', { method: 'GET', path, token })
    const complete = (parts: unknown, path = `${base}/complete`) =>
      exchange('multipart-complete', { method: 'POST', path, token, body: { parts } })
    const abort = (path = base) => exchange('multipart-abort', { method: 'DELETE', path, token })

    expect((await sign([{ partNumber: 0 }])).status).toBe(400)
    expect(
      (await sign([{ partNumber: 1 }], `/api/uploads/multipart/${MISSING}/sign-parts`)).status,
    ).toBe(404)
    const sha256 = createHash('sha256').update(data).digest('base64')
    const signed = await sign([{ partNumber: 1, sha256 }])
    expect(signed.status).toBe(200)
    const part = (signed.body as { parts: { url: string; headers: Record<string, string> }[] })
      .parts[0]
    const put = await fetch(part?.url ?? '', { method: 'PUT', headers: part?.headers, body: data })
    expect(put.status).toBe(200)
    expect((await list()).status).toBe(200)
    expect((await list(`/api/uploads/multipart/${MISSING}/parts`)).status).toBe(404)
    expect((await complete([{ partNumber: 1, etag: '"wrong"' }])).status).toBe(400)
    expect((await complete([{ partNumber: 1, etag: put.headers.get('etag') }])).status).toBe(200)
    // Completed: no longer an upload in progress.
    expect((await list()).status).toBe(412)
    expect((await sign([{ partNumber: 1 }])).status).toBe(412)
    expect((await abort()).status).toBe(412)
    expect((await abort(`/api/uploads/multipart/${MISSING}`)).status).toBe(404)
    // Not a multipart document at all.
    const putDoc = await uploaded(token)
    expect((await list(`/api/uploads/multipart/${putDoc}/parts`)).status).toBe(400)
    // Abort one in progress.
    const other = await exchange('multipart-create', {
      method: 'POST',
      path: '/api/uploads/multipart',
      token,
      body: { purpose: 'video', filename: 'w.mp4', contentType: 'video/mp4', size: 100 },
    })
    const otherId = (other.body as { documentId: string }).documentId
    expect((await abort(`/api/uploads/multipart/${otherId}`)).status).toBe(200)
    expect(
      (
        await exchange('multipart-abort', {
          method: 'DELETE',
          path: `/api/uploads/multipart/${otherId}`,
          token: null,
        })
      ).status,
    ).toBe(401)
  })

  it('POST /documents (an Express route) answers the same Error object: 201, 400, 401', async () => {
    const token = await h.token('form')
    const form = (purpose: string) => {
      const body = new FormData()
      body.append('purpose', purpose)
      body.append('file', new Blob([pdf], { type: 'application/pdf' }), 'a.pdf')
      return body
    }
    const post = (purpose: string, t: string | null = token) =>
      exchange('documents-post', {
        method: 'POST',
        path: '/documents',
        token: t,
        raw: form(purpose),
      })
    expect((await post('document')).status).toBe(201)
    expect(await post('nope')).toMatchObject({ status: 400, body: { code: 'policy_violation' } })
    expect(await post('document', null)).toMatchObject({
      status: 401,
      body: { code: 'unauthorized' },
    })
  })

  it('headers over the limit get 431, declared on every operation', async () => {
    const res = await fetch(`${h.baseUrl}/api/documents`, {
      headers: { 'x-big': 'x'.repeat(20_000) },
    }).catch(() => undefined)
    expect(res?.status).toBe(431)
    validate('documents-list', { status: 431, headers: {}, body: '', contentType: undefined })
  })

  it('saw every /api operation answer both a success and an error', () => {
    // The validator is not vacuous: a body off the schema fails.
    expect(api.validateResponse({ code: 'NOT_FOUND' }, 'documents-byId', 404).valid).toBe(false)
    const ids = Object.entries(doc.paths ?? {})
      .filter(([path]) => path.startsWith('/api/'))
      .flatMap(([, item]) =>
        Object.values(item ?? {}).map(
          (op) => (op as OpenAPIV3_1.OperationObject).operationId ?? '',
        ),
      )
    for (const id of ids) {
      const statuses = [...(seen.get(id) ?? [])]
      expect(
        statuses.some((s) => s < 300),
        `${id} succeeded`,
      ).toBe(true)
      expect(
        statuses.some((s) => s >= 400),
        `${id} refused`,
      ).toBe(true)
    }
  })
})
