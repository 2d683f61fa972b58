import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import SwaggerParser from '@apidevtools/swagger-parser'
import { findDocumentById } from '@uplink/db'
import type { OpenAPIV3_1 } from 'openapi-types'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'
import { readmeExample } from './support/readme.ts'

const run = promisify(execFile)
/** Safety net for a spawned example (pnpm, node, python3): minutes on a loaded machine. */
const SAFETY_MS = 240_000
let h: Harness
let dir: string
let env: NodeJS.ProcessEnv
beforeAll(async () => {
  h = await startHarness()
  dir = await mkdtemp(join(tmpdir(), 'uplink-apps-'))
  env = { ...process.env, UPLINK_URL: h.baseUrl, UPLINK_TOKEN: await h.token('py-user') }
})
afterAll(async () => {
  await h.close()
  await rm(dir, { recursive: true, force: true })
})

describe('OpenAPI', () => {
  it('serves a document that an OpenAPI validator accepts, with bearer auth on every route', async () => {
    const res = await fetch(`${h.baseUrl}/api/openapi.json`)
    expect(res.status).toBe(200)
    const doc = (await res.json()) as OpenAPIV3_1.Document
    await SwaggerParser.validate(structuredClone(doc) as never)
    expect(doc.components?.securitySchemes?.bearerAuth).toMatchObject({
      type: 'http',
      scheme: 'bearer',
    })
    const routes = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
      Object.entries(item ?? {}).map(([method, op]) => ({
        route: `${method.toUpperCase()} ${path}`,
        op,
      })),
    )
    expect(routes.map((r) => r.route).sort()).toEqual([
      'DELETE /api/documents/{id}',
      'DELETE /api/uploads/multipart/{documentId}',
      'DELETE /files/{owner}/{purpose}/{uploadId}',
      'GET /api/documents',
      'GET /api/documents/{id}',
      'GET /api/documents/{id}/download-url',
      'GET /api/uploads/multipart/{documentId}/parts',
      'HEAD /files/{owner}/{purpose}/{uploadId}',
      'OPTIONS /files',
      'PATCH /files/{owner}/{purpose}/{uploadId}',
      'POST /api/uploads/confirm',
      'POST /api/uploads/multipart',
      'POST /api/uploads/multipart/{documentId}/complete',
      'POST /api/uploads/multipart/{documentId}/sign-parts',
      'POST /api/uploads/presign-post',
      'POST /api/uploads/presign-put',
      'POST /documents',
      'POST /files',
    ])
    // Bearer auth everywhere but tus discovery (OPTIONS), which browsers send without it.
    for (const { route, op } of routes)
      expect((op as OpenAPIV3_1.OperationObject).security, route).toEqual(
        route === 'OPTIONS /files' ? [] : [{ bearerAuth: [] }],
      )
    // One server for every path (no per-operation servers: generated clients ignore them).
    expect(doc.servers).toEqual([{ url: '/' }])
  })

  it('describes POST /documents at the server root: a multipart form, 201/413/422/503', async () => {
    const doc = (await (
      await fetch(`${h.baseUrl}/api/openapi.json`)
    ).json()) as OpenAPIV3_1.Document
    const post = doc.paths?.['/documents']?.post
    expect(post?.servers).toBeUndefined()
    const form = (post?.requestBody as OpenAPIV3_1.RequestBodyObject | undefined)?.content[
      'multipart/form-data'
    ]
    const schema = form?.schema as OpenAPIV3_1.SchemaObject
    expect(Object.keys(schema.properties ?? {})).toEqual(['purpose', 'sha256', 'file'])
    expect(schema.required).toEqual(['purpose', 'file'])
    expect(Object.keys(post?.responses ?? {})).toEqual(
      expect.arrayContaining(['201', '413', '422', '503']),
    )
    expect(post?.responses?.['503']).toMatchObject({
      headers: { 'Retry-After': expect.anything() },
    })
    // What the document says is what the route does: a form sent as described gets 201.
    const body = new FormData()
    body.append('purpose', 'document')
    body.append(
      'file',
      new Blob(['%PDF-1.7 from the OpenAPI description\n'], { type: 'application/pdf' }),
      'a.pdf',
    )
    const res = await fetch(`${h.baseUrl}/documents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.UPLINK_TOKEN}` },
      body,
    })
    expect(res.status).toBe(201)
    expect(await res.json()).toMatchObject({ method: 'post', status: 'uploaded' })
  })

  it('serves an interactive reference page at /api/docs', async () => {
    const res = await fetch(`${h.baseUrl}/api/docs`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toMatch(/text\/html/)
    expect(await res.text()).toContain('/api/openapi.json')
  })

  it('answers 401 without a token and 404 for a document that is not mine', async () => {
    const anon = await fetch(`${h.baseUrl}/api/documents`)
    expect(anon.status).toBe(401)
    const other = await fetch(`${h.baseUrl}/api/documents/00000000-0000-4000-8000-000000000000`, {
      headers: { authorization: `Bearer ${env.UPLINK_TOKEN}` },
    })
    expect(other.status).toBe(404)
    expect(await other.json()).toEqual({
      code: 'document_not_found',
      message: 'document 00000000-0000-4000-8000-000000000000 was not found',
      requestId: expect.any(String),
    })
  })

  it('the docs Python (urllib) script uploads, confirms, lists and downloads a file', async () => {
    const script = join(dir, 'upload.py')
    await writeFile(script, readmeExample('openapi-python'))
    const file = join(dir, 'report.pdf')
    await writeFile(file, `%PDF-1.7 ${'x'.repeat(3000)}\n`)
    const { stdout } = await run('python3', [script, file], { env, timeout: SAFETY_MS })
    const out = JSON.parse(stdout) as { id: string; status: string; listed: boolean; same: boolean }
    expect(out).toMatchObject({ status: 'uploaded', listed: true, same: true })
    const client = await h.client('py-user')
    expect(await client.documents.byId.query({ id: out.id })).toMatchObject({
      size: 3010,
      method: 'put',
    })
  })
})

describe('one implementation, two front doors', () => {
  it('answers the same error body over /api, and in the data of a tRPC error', async () => {
    const headers = { authorization: `Bearer ${await h.token('same-error')}` }
    const id = '00000000-0000-4000-8000-000000000000'
    const rest = await (await fetch(`${h.baseUrl}/api/documents/${id}`, { headers })).json()
    const input = encodeURIComponent(JSON.stringify({ id }))
    const rpc = await fetch(`${h.baseUrl}/trpc/documents.byId?input=${input}`, { headers })
    const body = (await rpc.json()) as { error: { data: { code: string; error: unknown } } }
    expect(rpc.status).toBe(404)
    expect(body.error.data.code).toBe('NOT_FOUND')
    expect(body.error.data.error).toEqual({
      code: 'document_not_found',
      message: `document ${id} was not found`,
      requestId: expect.stringMatching(/./),
    })
    expect(rest).toEqual({ ...(body.error.data.error as object), requestId: expect.any(String) })
  })

  it('keeps /trpc strict about types after /api calls (sizes stay numbers, never coerced strings)', async () => {
    const token = await h.token('strict')
    const input = { purpose: 'document', filename: 'a.pdf', contentType: 'application/pdf' }
    const rest = await fetch(`${h.baseUrl}/api/uploads/presign-put`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...input, size: 10 }),
    })
    expect(rest.status).toBe(200)
    const trpc = await fetch(`${h.baseUrl}/trpc/uploads.presignPut`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...input, size: '10' }),
    })
    expect(trpc.status).toBe(400)
  })
})

describe('tRPC over plain HTTP', () => {
  it('the docs curl example presigns an upload and lists documents', async () => {
    const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', readmeExample('trpc-http')], {
      env,
      timeout: SAFETY_MS,
    })
    const [presign, list] = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(presign.result.data).toMatchObject({
      method: 'PUT',
      url: expect.stringMatching(/^http/),
    })
    expect(Array.isArray(list.result.data.items)).toBe(true)
  })
})

describe('README and docs shell examples, run as written', () => {
  /** A fresh folder holding a 3000-byte `a.pdf`, as the examples' prose asks. */
  async function folderWithPdf() {
    const cwd = await mkdtemp(join(dir, 'readme-'))
    const pdf = Buffer.from(`%PDF-1.7 ${'r'.repeat(2990)}\n`)
    await writeFile(join(cwd, 'a.pdf'), pdf)
    return { cwd, pdf }
  }
  const bash = (script: string, cwd: string, extraEnv: NodeJS.ProcessEnv = {}) =>
    run('bash', ['-euo', 'pipefail', '-c', script], {
      cwd,
      env: { ...env, ...extraEnv },
      timeout: SAFETY_MS,
    })

  it('the curl upload presigns, PUTs, confirms and downloads into a new file; a.pdf is kept', async () => {
    const { cwd, pdf } = await folderWithPdf()
    // The streamed-content example continues in the same shell with its $ID.
    const script = `${readmeExample('direct-upload')}\n${readmeExample('content-range')}`
    const { stdout } = await bash(script, cwd)
    const lines = stdout.trim().split('\n')
    expect(lines[0]).toBe('uploaded')
    const id = /^document ([0-9a-f-]{36}): a-copy.pdf has the bytes of a.pdf$/.exec(
      lines[1] ?? '',
    )?.[1]
    expect(id).toBeDefined()
    expect(await readFile(join(cwd, 'a.pdf'))).toEqual(pdf)
    expect(await readFile(join(cwd, 'a-copy.pdf'))).toEqual(pdf)
    expect(await readFile(join(cwd, 'head.bin'))).toEqual(pdf.subarray(0, 100))
    const client = await h.client('py-user')
    expect(await client.documents.byId.query({ id: id ?? '' })).toMatchObject({
      status: 'uploaded',
      method: 'put',
      size: pdf.length,
    })
  })

  it('the POST /documents curl line uploads a.pdf in one request', async () => {
    const { cwd, pdf } = await folderWithPdf()
    const { stdout } = await bash(readmeExample('documents-post'), cwd)
    expect(JSON.parse(stdout)).toMatchObject({
      filename: 'a.pdf',
      contentType: 'application/pdf',
      size: pdf.length,
      method: 'post',
      status: 'uploaded',
    })
  })

  it('the CLI example uploads, lists, downloads into a new file and removes a video', async () => {
    // "From the repo root": a folder whose package.json has the root's `uplink` script.
    const root = fileURLToPath(new URL('../../../', import.meta.url))
    const { scripts } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>
    }
    const cwd = await mkdtemp(join(dir, 'repo-root-'))
    const uplink = (scripts.uplink ?? '').replace(' packages/', ` ${root}packages/`)
    await writeFile(join(cwd, 'package.json'), JSON.stringify({ scripts: { uplink } }))
    const video = Buffer.concat([Buffer.from('\0\0\0\x18ftypmp42'), Buffer.alloc(4096, 7)])
    await writeFile(join(cwd, 'talk.mp4'), video)
    const { stdout } = await bash(readmeExample('cli'), cwd, {
      UPLINK_TOKEN: await h.token('cli-readme'),
      XDG_STATE_HOME: join(cwd, 'state'),
    })
    expect(await readFile(join(cwd, 'talk.mp4'))).toEqual(video)
    expect(await readFile(join(cwd, 'talk-copy.mp4'))).toEqual(video)
    // stdout: `ls` (this user's one document), the download's path, `deleted <id>`.
    const [listed, saved, deleted] = stdout.trim().split('\n')
    const id = listed?.split('\t')[0] ?? ''
    expect(listed).toMatch(/\tuploaded\t.*\tvideo\t.*\ttalk\.mp4$/)
    expect(saved).toBe('./talk-copy.mp4')
    expect(deleted).toBe(`deleted ${id}`)
    expect(await findDocumentById(h.services.db, id)).toMatchObject({
      status: 'deleted',
      method: expect.stringMatching(/^(tus|multipart)$/),
    })
  }, 300_000)
})
