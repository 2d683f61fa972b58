import { createHash } from 'node:crypto'
import { OpenAPIBackend } from 'openapi-backend'
import type { OpenAPIV3_1 } from 'openapi-types'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

// Schemathesis' stateful run (ST302) reported `complete` and `abort` answering 404 for a
// multipart upload "just created": its sequence was create → DELETE /api/documents/{id} → abort,
// the same document under another path. The document now says how create's `documentId` feeds
// each follow-up (OpenAPI links); following them, every answer is a status the document declares.
let h: Harness
let doc: OpenAPIV3_1.Document
let api: OpenAPIBackend
let token: string
beforeAll(async () => {
  h = await startHarness()
  doc = (await (await fetch(`${h.baseUrl}/api/openapi.json`)).json()) as OpenAPIV3_1.Document
  api = new OpenAPIBackend({ definition: structuredClone(doc) as never, quick: true })
  await api.init()
  token = await h.token('links')
})
afterAll(async () => {
  await h?.close()
})

type Link = { operationId: string; parameters: Record<string, string> }

/** The links of an operation's 200 answer. */
function linksOf(operationId: string): Record<string, Link> {
  const op = api.getOperation(operationId)
  return ((op?.responses?.['200'] as OpenAPIV3_1.ResponseObject)?.links ?? {}) as Record<
    string,
    Link
  >
}

/** Follows `link` with `documentId`; the answer is validated against the document. */
async function follow(link: Link, documentId: string, body?: unknown) {
  const op = api.getOperation(link.operationId)
  if (!op) throw new Error(`no operation ${link.operationId}`)
  let path = op.path
  for (const name of Object.keys(link.parameters)) path = path.replace(`{${name}}`, documentId)
  const res = await fetch(`${h.baseUrl}${path}`, {
    method: op.method.toUpperCase(),
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const answer = { status: res.status, body: (await res.json()) as Record<string, unknown> }
  const what = `${link.operationId} answered ${answer.status} ${JSON.stringify(answer.body)}`
  expect(op.responses?.[String(answer.status)], `${what}: status not declared`).toBeDefined()
  expect(api.validateResponse(answer.body, link.operationId, answer.status).errors, what).toBeNull()
  return answer
}

const create = async () => {
  const res = await fetch(`${h.baseUrl}/api/uploads/multipart`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      purpose: 'video',
      filename: 'v.mp4',
      contentType: 'video/mp4',
      size: 392,
    }),
  })
  expect(res.status).toBe(200)
  return ((await res.json()) as { documentId: string }).documentId
}

const BODIES: Record<string, unknown> = {
  'multipart-signParts': {
    parts: [{ partNumber: 1, sha256: createHash('sha256').digest('base64') }],
  },
  'multipart-complete': { parts: [{ partNumber: 1, etag: '"x"' }] },
}

describe('the links of a multipart upload', () => {
  it('create links its documentId to sign, list, complete, abort and the document', () => {
    const links = linksOf('multipart-create')
    expect(Object.fromEntries(Object.entries(links).map(([n, l]) => [n, l.operationId]))).toEqual({
      signParts: 'multipart-signParts',
      listParts: 'multipart-listParts',
      complete: 'multipart-complete',
      abort: 'multipart-abort',
      document: 'documents-byId',
    })
    for (const link of Object.values(links)) {
      const op = api.getOperation(link.operationId)
      const inPath = (op?.parameters ?? []) as OpenAPIV3_1.ParameterObject[]
      expect(Object.keys(link.parameters)).toEqual(
        inPath.filter((p) => p.in === 'path').map((p) => p.name),
      )
      expect(Object.values(link.parameters)).toEqual(['$response.body#/documentId'])
    }
    expect(linksOf('uploads-presignPut').document?.operationId).toBe('documents-byId')
  })

  it('right after create, each follow-up answers a declared status: complete says what part is missing', async () => {
    const id = await create()
    const links = linksOf('multipart-create')
    const statuses: Record<string, number> = {}
    for (const name of ['signParts', 'listParts', 'complete', 'document', 'abort']) {
      const link = links[name]
      if (!link) throw new Error(`no link ${name}`)
      const answer = await follow(link, id, BODIES[link.operationId])
      statuses[name] = answer.status
      if (name === 'complete') {
        expect(answer.body).toMatchObject({
          code: 'part_list_invalid',
          message: expect.stringContaining('part 1 has not been uploaded yet'),
        })
      }
    }
    expect(statuses).toEqual({
      signParts: 200,
      listParts: 200,
      complete: 400,
      document: 200,
      abort: 200,
    })
  })

  it('after DELETE /api/documents/{id}, the same document is 404 under every follow-up (declared)', async () => {
    const id = await create()
    const deleted = await fetch(`${h.baseUrl}/api/documents/${id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    })
    expect(deleted.status).toBe(200)
    for (const link of Object.values(linksOf('multipart-create'))) {
      const answer = await follow(link, id, BODIES[link.operationId])
      expect([link.operationId, answer.status, answer.body.code]).toEqual([
        link.operationId,
        404,
        'document_not_found',
      ])
    }
  })
})
