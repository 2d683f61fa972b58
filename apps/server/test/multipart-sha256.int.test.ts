import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { TRPCClientError } from '@trpc/client'
import { findDocumentById } from '@uplink/db'
import { waitFor } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

// The whole file's SHA-256 declared at `multipart.complete` (hashed alongside the parts, as the
// web app does), checked by the worker's content check against the stored bytes.
let h: Harness
let dir: string
let video: Buffer
beforeAll(async () => {
  h = await startHarness({ UPLINK_WORKER: 'true', UPLINK_RECONCILE_INTERVAL_MINUTES: '0' })
  dir = await mkdtemp(join(tmpdir(), 'uplink-multipart-sha256-'))
  // A real video, so the content check can make it ready.
  const path = join(dir, 'clip.webm')
  await promisify(execFile)('ffmpeg', [
    ...['-loglevel', 'error', '-f', 'lavfi'],
    ...['-i', 'testsrc=duration=2:size=160x120:rate=10', '-c:v', 'libvpx', '-b:v', '200k', path],
  ])
  video = await readFile(path)
}, 120_000)
afterAll(async () => {
  await h?.close()
  await rm(dir, { recursive: true, force: true })
})

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('base64')
type Api = Awaited<ReturnType<Harness['client']>>

/** Creates a multipart upload of `video` (one part) and PUTs its part; returns what complete needs. */
async function uploadPart(api: Api, declaredAtCreate?: string) {
  const created = await api.multipart.create.mutate({
    purpose: 'video',
    filename: 'clip.webm',
    contentType: 'video/webm',
    size: video.length,
    ...(declaredAtCreate ? { sha256: declaredAtCreate } : {}),
  })
  expect(created.partCount).toBe(1)
  const { parts } = await api.multipart.signParts.mutate({
    documentId: created.documentId,
    parts: [{ partNumber: 1, sha256: sha256(video) }],
  })
  const res = await fetch(parts[0]!.url, { method: 'PUT', headers: parts[0]!.headers, body: video })
  expect(res.status).toBe(200)
  return {
    documentId: created.documentId,
    parts: [{ partNumber: 1, etag: res.headers.get('etag') ?? '' }],
  }
}

/** The document once the content check has settled it. */
function settled(api: Api, id: string) {
  return waitFor(
    async () => {
      const doc = await api.documents.byId.query({ id })
      return doc.status !== 'uploaded' && doc.status !== 'pending' && doc
    },
    { what: `document ${id} to be checked` },
  )
}

async function trpcError(promise: Promise<unknown>) {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  if (!(err instanceof TRPCClientError)) throw new Error(`expected a tRPC error, got ${err}`)
  return err as unknown as {
    message: string
    data?: { code?: string; httpStatus?: number; error?: { code?: string } }
  }
}

describe('multipart.complete takes the whole file’s SHA-256', () => {
  it('a matching sha256 declared at complete makes the document ready with that digest', async () => {
    const api = await h.client('alice')
    const upload = await uploadPart(api)
    const done = await api.multipart.complete.mutate({ ...upload, sha256: sha256(video) })
    expect(done.declaredSha256).toBe(sha256(video))
    const ready = await settled(api, upload.documentId)
    expect(ready).toMatchObject({
      status: 'ready',
      sha256: sha256(video),
      declaredSha256: sha256(video),
    })
  })

  it('a sha256 at complete that is not the bytes’ rejects the document, naming both digests', async () => {
    const api = await h.client('alice')
    const upload = await uploadPart(api)
    const wrong = sha256('other bytes')
    await api.multipart.complete.mutate({ ...upload, sha256: wrong })
    const checked = await settled(api, upload.documentId)
    expect(checked.status).toBe('rejected')
    expect(checked.rejectionReason).toBe(
      `the stored bytes have SHA-256 ${sha256(video)} but the client declared ${wrong}`,
    )
  })

  it('the same sha256 as declared at create is fine; another one is 400 digest_conflict naming both, and nothing completes', async () => {
    const api = await h.client('bob')
    const upload = await uploadPart(api, sha256(video))
    const other = sha256('other bytes')
    const err = await trpcError(api.multipart.complete.mutate({ ...upload, sha256: other }))
    expect(err.data?.httpStatus).toBe(400)
    expect(err.data?.error?.code).toBe('digest_conflict')
    expect(err.message).toContain(other)
    expect(err.message).toContain(sha256(video))
    const row = await findDocumentById(h.services.db, upload.documentId)
    expect([row?.status, row?.declaredSha256]).toEqual(['pending', sha256(video)])

    await api.multipart.complete.mutate({ ...upload, sha256: sha256(video) })
    expect(await settled(api, upload.documentId)).toMatchObject({
      status: 'ready',
      sha256: sha256(video),
    })
    // Completed: asking again with the same digest answers the same document (idempotent).
    const again = await api.multipart.complete.mutate({ ...upload, sha256: sha256(video) })
    expect(again.id).toBe(upload.documentId)
  })

  it('names a malformed sha256', async () => {
    const api = await h.client('bob')
    const upload = await uploadPart(api)
    const err = await trpcError(api.multipart.complete.mutate({ ...upload, sha256: 'abc' }))
    expect(err.data?.code).toBe('BAD_REQUEST')
    expect(err.message).toMatch(/^sha256: sha256 must be the base64 SHA-256/)
  })

  it('OpenAPI documents sha256 on POST /uploads/multipart/{documentId}/complete', async () => {
    const doc = (await (await fetch(`${h.baseUrl}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>
    }
    const path = Object.keys(doc.paths).find((p) =>
      p.endsWith('/uploads/multipart/{documentId}/complete'),
    )
    const operation = doc.paths[path ?? '']?.post as {
      requestBody: { content: { 'application/json': { schema: { properties: object } } } }
    }
    const body = operation.requestBody.content['application/json'].schema
    // The whole file's, beside `parts` (whose items have their own sha256).
    expect(Object.keys(body.properties)).toContain('sha256')
  })
})
