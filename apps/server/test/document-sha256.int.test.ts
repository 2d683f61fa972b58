import { spawn } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { createUplinkClient, UplinkError } from '@uplink/client'
import { findDocumentById } from '@uplink/db'
import { stagingKey } from '@uplink/storage'
import { waitFor } from '@uplink/testing'
import * as tus from 'tus-js-client'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

/** The CLI bundled once for this run (test/support/build-cli.ts). */
const bin = inject('uplinkCli')
// No S3 events and no reconcile timer: the upload itself starts the content checks.
let h: Harness
let dir: string
beforeAll(async () => {
  h = await startHarness({ UPLINK_WORKER: 'true', UPLINK_RECONCILE_INTERVAL_MINUTES: '0' })
  dir = await mkdtemp(join(tmpdir(), 'uplink-sha256-'))
})
afterAll(async () => {
  await h.close()
  await rm(dir, { recursive: true, force: true })
})

// A CLI run is a fresh Node process: allow for a busy machine.
const SLOW = 90_000

const sha256 = (body: Uint8Array) => createHash('sha256').update(body).digest('base64')

/** A PDF with random bytes inside, so every test has its own digest. */
function pdf(size = 64 * 1024): Buffer {
  const body = randomBytes(size)
  body.write('%PDF-1.7\n', 0, 'latin1')
  body.write('\n%%EOF\n', size - 7, 'latin1')
  return body
}

async function settled(userId: string, id: string) {
  const api = await h.client(userId)
  return waitFor(
    async () => {
      const doc = await api.documents.byId.query({ id })
      return doc.status !== 'uploaded' && doc.status !== 'pending' && doc
    },
    { what: `document ${id} to be checked` },
  )
}

async function putAndConfirm(userId: string, body: Buffer, declared?: string) {
  const api = await h.client(userId)
  const signed = await api.uploads.presignPut.mutate({
    purpose: 'document',
    filename: 'file.pdf',
    contentType: 'application/pdf',
    size: body.length,
    ...(declared ? { sha256: declared } : {}),
  })
  const put = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body })
  expect(put.status).toBe(200)
  return api.uploads.confirm.mutate({ documentId: signed.documentId })
}

/** A tus upload; resolves to the document id, or rejects with the server's answer. */
async function tusUpload(userId: string, body: Buffer, metadata: Record<string, string>) {
  const token = await h.token(userId)
  let id: string | null = null
  await new Promise<void>((resolve, reject) => {
    new tus.Upload(body, {
      endpoint: `${h.baseUrl}/files`,
      headers: { Authorization: `Bearer ${token}` },
      metadata: {
        filename: 'file.pdf',
        filetype: 'application/pdf',
        purpose: 'document',
        ...metadata,
      },
      retryDelays: [],
      onAfterResponse: (_req, res) => {
        id ??= res.getHeader('Uplink-Document-Id') ?? null
      },
      onSuccess: () => resolve(),
      onError: reject,
    }).start()
  })
  return id!
}

/** Replaces a document's object in S3 directly, behind Uplink's back. */
/** Replaces the object behind Uplink's back: the served key, or the staging key before confirm. */
async function overwrite(documentId: string, body: Buffer, where: 'served' | 'staged' = 'served') {
  const row = await findDocumentById(h.services.db, documentId)
  const { storage } = h.services
  await storage.client.send(
    new PutObjectCommand({
      Bucket: storage.bucket,
      Key: where === 'staged' ? stagingKey(row!.objectKey) : row!.objectKey,
      Body: body,
      ContentType: 'application/pdf',
    }),
  )
}

describe('whole-object SHA-256 of documents', () => {
  it('records the SHA-256 of a PUT upload once it is ready, in byId and list', async () => {
    const body = pdf()
    const doc = await putAndConfirm('alice', body)
    expect(doc.sha256).toBeNull()
    const ready = await settled('alice', doc.id)
    expect(ready.status).toBe('ready')
    expect(ready.sha256).toBe(sha256(body))
    const { items } = await (await h.client('alice')).documents.list.query()
    expect(items.find((d) => d.id === doc.id)?.sha256).toBe(sha256(body))
  })

  it('accepts a PUT whose declared SHA-256 matches the bytes', async () => {
    const body = pdf()
    const doc = await putAndConfirm('alice', body, sha256(body))
    expect((await settled('alice', doc.id)).sha256).toBe(sha256(body))
  })

  it('rejects a PUT upload whose object was replaced before confirm with other bytes than declared', async () => {
    const body = pdf()
    const api = await h.client('alice')
    const signed = await api.uploads.presignPut.mutate({
      purpose: 'document',
      filename: 'file.pdf',
      contentType: 'application/pdf',
      size: body.length,
      sha256: sha256(body),
    })
    expect((await fetch(signed.url, { method: 'PUT', headers: signed.headers, body })).status).toBe(
      200,
    )
    const other = pdf(body.length)
    await overwrite(signed.documentId, other, 'staged')
    await api.uploads.confirm.mutate({ documentId: signed.documentId })
    const checked = await settled('alice', signed.documentId)
    expect(checked.status).toBe('rejected')
    expect(checked.rejectionReason).toBe(
      `the stored bytes have SHA-256 ${sha256(other)} but the client declared ${sha256(body)}`,
    )
  })

  it('rejects a tus upload whose bytes differ from the sha256 in its metadata', async () => {
    const body = pdf()
    const declared = sha256(pdf())
    const id = await tusUpload('bob', body, { sha256: declared })
    const checked = await settled('bob', id)
    expect(checked.status).toBe('rejected')
    expect(checked.rejectionReason).toBe(
      `the stored bytes have SHA-256 ${sha256(body)} but the client declared ${declared}`,
    )
    expect(checked.sha256).toBeNull()
  })

  it('makes a tus upload whose metadata sha256 matches ready with that digest', async () => {
    const body = pdf()
    const id = await tusUpload('bob', body, { sha256: sha256(body) })
    expect(await settled('bob', id)).toMatchObject({ status: 'ready', sha256: sha256(body) })
  })

  it('refuses a tus upload whose metadata sha256 is not a base64 SHA-256, naming the key', async () => {
    const err = await tusUpload('bob', pdf(), { sha256: 'abc' }).then(
      () => undefined,
      (e: tus.DetailedError) => e,
    )
    expect(err?.originalResponse?.getStatus()).toBe(400)
    expect(err?.originalResponse?.getBody()).toContain('Upload-Metadata "sha256"')
  })

  it('sends Repr-Digest with the download redirect and sha256 with downloadUrl', async () => {
    const body = pdf()
    const doc = await putAndConfirm('carol', body)
    await settled('carol', doc.id)
    const res = await fetch(`${h.baseUrl}/documents/${doc.id}/download`, {
      headers: { authorization: `Bearer ${await h.token('carol')}` },
      redirect: 'manual',
    })
    expect(res.status).toBe(302)
    expect(res.headers.get('repr-digest')).toBe(`sha-256=:${sha256(body)}:`)
    const signed = await (await h.client('carol')).documents.downloadUrl.query({ id: doc.id })
    expect(signed.sha256).toBe(sha256(body))
  })

  it('client download verifies the bytes and writes the file when they match', async () => {
    const body = pdf()
    const doc = await putAndConfirm('dave', body)
    await settled('dave', doc.id)
    const uplink = createUplinkClient({ url: h.baseUrl, token: await h.token('dave') })
    const out = join(dir, 'good.pdf')
    expect(await uplink.download(doc.id, out)).toBe(body.length)
    expect(sha256(await readFile(out))).toBe(sha256(body))
  })

  it('client download of an object changed behind Uplink’s back fails with INTEGRITY and leaves no file', async () => {
    const body = pdf()
    const doc = await putAndConfirm('dave', body)
    expect((await settled('dave', doc.id)).status).toBe('ready')
    await overwrite(doc.id, pdf(body.length))
    const uplink = createUplinkClient({ url: h.baseUrl, token: await h.token('dave') })
    const out = join(dir, 'swapped.pdf')
    const err = await uplink.download(doc.id, out).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UplinkError)
    expect(err).toMatchObject({ code: 'INTEGRITY' })
    expect((err as Error).message).toContain(`not the verified ${sha256(body)}`)
    expect((await readdir(dir)).filter((f) => f.startsWith('swapped'))).toEqual([])
  })

  it(
    'uplink download exits non-zero on changed bytes, says why, and leaves no file',
    async () => {
      const body = pdf()
      const doc = await putAndConfirm('erin', body)
      await settled('erin', doc.id)
      await overwrite(doc.id, pdf(body.length))
      const token = await h.token('erin')
      const run = await new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
        const child = spawn(process.execPath, [bin, 'download', doc.id, 'cli.pdf'], {
          cwd: dir,
          env: { PATH: process.env.PATH, UPLINK_URL: h.baseUrl, UPLINK_TOKEN: token },
        })
        let stderr = ''
        child.stderr.on('data', (d: Buffer) => {
          stderr += d
        })
        child.on('error', reject)
        child.on('close', (code) => resolve({ code, stderr }))
      })
      expect(run.code).toBe(1)
      expect(run.stderr).toContain(`not the verified ${sha256(body)}`)
      expect((await readdir(dir)).filter((f) => f.startsWith('cli.pdf'))).toEqual([])
    },
    SLOW,
  )
})
