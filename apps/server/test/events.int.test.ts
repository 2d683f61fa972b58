import { randomBytes } from 'node:crypto'
import { findDocumentById } from '@uplink/db'
import { freePort, type RunningS3, startVersitygw, waitFor } from '@uplink/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

// This file owns its versitygw, started with --event-webhook-url pointing at the running
// server: real S3 event notifications drive confirmation.
const secret = randomBytes(16).toString('hex')
const creds = {
  accessKeyId: `ev${randomBytes(4).toString('hex')}`,
  secretAccessKey: randomBytes(20).toString('hex'),
}
let h: Harness
let s3: RunningS3
beforeAll(async () => {
  const port = await freePort()
  // The receiver must be up first: versitygw sends a test event at startup and gives up if refused.
  h = await startHarness({
    S3_ENDPOINT: `http://127.0.0.1:${port}`,
    S3_BUCKET: 'uplink-events',
    S3_ACCESS_KEY_ID: creds.accessKeyId,
    S3_SECRET_ACCESS_KEY: creds.secretAccessKey,
    UPLINK_S3_EVENTS_SECRET: secret,
    UPLINK_WORKER: 'true',
    UPLINK_DOWNLOAD_REQUIRES_READY: 'true',
  })
  s3 = await startVersitygw({
    port,
    bucket: 'uplink-events',
    ...creds,
    extraArgs: ['--event-webhook-url', `${h.baseUrl}/hooks/s3-events?secret=${secret}`],
  })
})
afterAll(async () => {
  await h?.close()
  await s3?.stop()
})

const pdf = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n')
const pdfRequest = {
  purpose: 'document',
  filename: 'a.pdf',
  contentType: 'application/pdf',
  size: pdf.length,
}

async function presignedPut(userId: string, put = true) {
  const api = await h.client(userId)
  const signed = await api.uploads.presignPut.mutate(pdfRequest)
  if (put) {
    const res = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: pdf })
    expect(res.status).toBe(200)
  }
  return { api, id: signed.documentId }
}

const hook = (
  body: string,
  path = `/hooks/s3-events?secret=${secret}`,
  headers: Record<string, string> = {},
) =>
  fetch(`${h.baseUrl}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  })

/**
 * Waits until the worker has run every job that is due (a 2xx from the hook means queued), so
 * a "nothing changed" assertion after it cannot pass merely because the worker was slow.
 */
async function drainJobs() {
  await waitFor(
    'the worker to run every due job',
    async () => {
      const { rows } = await sql<{ due: number }>`
        select count(*)::int as due from jobs
        where status = 'running' or (status = 'queued' and run_at <= now())`.execute(h.services.db)
      return rows[0]?.due === 0
    },
    60_000,
  )
}

const eventBody = (key: string) =>
  JSON.stringify({
    Records: [
      {
        eventName: 's3:ObjectCreated:Put',
        s3: { bucket: { name: 'uplink-events' }, object: { key, size: pdf.length, eTag: '"x"' } },
      },
    ],
  })

describe('S3 event notifications', () => {
  it('moves an upload that is never confirmed to ready from versitygw’s webhook event', async () => {
    const { api, id } = await presignedPut('alice')
    await waitFor(
      'the document to become ready',
      async () => (await api.documents.byId.query({ id })).status === 'ready',
      60_000,
    )
    const doc = await api.documents.byId.query({ id })
    expect(doc).toMatchObject({ status: 'ready', rejectionReason: null })
    expect(doc.confirmedAt).not.toBeNull()
  })

  it('serves downloads of ready documents only when configured so', async () => {
    const { api, id } = await presignedPut('bob', false)
    const token = await h.token('bob')
    const download = () =>
      fetch(`${h.baseUrl}/documents/${id}/download`, {
        headers: { authorization: `Bearer ${token}` },
        redirect: 'manual',
      })
    const signed = await api.uploads.presignPut.mutate(pdfRequest)
    await fetch(signed.url, { method: 'PUT', headers: signed.headers, body: pdf })
    const confirmed = await api.uploads.confirm.mutate({ documentId: signed.documentId })
    // The S3 event may confirm and check it before this call does: both answers are right.
    expect(['uploaded', 'ready']).toContain(confirmed.status)
    const early = await fetch(`${h.baseUrl}/documents/${signed.documentId}/download`, {
      headers: { authorization: `Bearer ${token}` },
      redirect: 'manual',
    })
    // Either still uploaded (412) or the event already made it ready (302): never a 200 of unchecked bytes.
    expect([302, 412]).toContain(early.status)
    await waitFor(
      'ready',
      async () => (await api.documents.byId.query({ id: signed.documentId })).status === 'ready',
      60_000,
    )
    expect(
      (
        await fetch(`${h.baseUrl}/documents/${signed.documentId}/download`, {
          headers: { authorization: `Bearer ${token}` },
          redirect: 'manual',
        })
      ).status,
    ).toBe(302)
    expect((await download()).status).toBe(412) // the pending one
  })

  it('applies the same event delivered twice once, without error', async () => {
    const { id } = await presignedPut('carol')
    const doc = await findDocumentById(h.services.db, id)
    await waitFor(
      'ready',
      async () => (await findDocumentById(h.services.db, id))?.status === 'ready',
      60_000,
    )
    const before = await findDocumentById(h.services.db, id)
    for (let i = 0; i < 2; i++) expect((await hook(eventBody(doc!.objectKey))).status).toBe(200)
    await drainJobs()
    expect(await findDocumentById(h.services.db, id)).toEqual(before)
  })

  it('ignores a forged event for a key with no object', async () => {
    const { id } = await presignedPut('dave', false)
    const doc = await findDocumentById(h.services.db, id)
    const res = await hook(eventBody(doc!.objectKey), '/hooks/s3-events', {
      'x-uplink-secret': secret,
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ received: 1, queued: 1 })
    await drainJobs()
    expect(await findDocumentById(h.services.db, id)).toEqual(doc)
  })

  it('refuses a missing or wrong secret (401) and a malformed body (400), changing nothing', async () => {
    const { id } = await presignedPut('erin')
    const doc = await findDocumentById(h.services.db, id)
    // Stop versitygw's own event for this object from racing the assertions: compare after the checks.
    expect((await hook(eventBody(doc!.objectKey), '/hooks/s3-events')).status).toBe(401)
    expect(
      (await hook(eventBody(doc!.objectKey), `/hooks/s3-events?secret=${'x'.repeat(32)}`)).status,
    ).toBe(401)
    expect(
      (await hook(eventBody(doc!.objectKey), `/hooks/s3-events?secret=${secret}x`)).status,
    ).toBe(401)
    expect((await hook('{not json', `/hooks/s3-events?secret=${secret}`)).status).toBe(400)
    expect(
      (await hook('{"Records":[{"eventName":7}]}', `/hooks/s3-events?secret=${secret}`)).status,
    ).toBe(400)
    expect((await hook('{"hello":"world"}', `/hooks/s3-events?secret=${secret}`)).status).toBe(400)
    expect(h.logs.join('\n')).not.toContain(secret)
  })
})
