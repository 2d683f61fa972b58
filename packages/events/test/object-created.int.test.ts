import { defaultPolicies } from '@uplink/core'
import { findDocumentById } from '@uplink/db'
import { stagingKey } from '@uplink/storage'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobsDb } from '../src/job-queue.ts'
import { enqueueObjectCreated, onObjectCreated } from '../src/object-created.ts'
import { createEventsRuntime, type EventsRuntime } from '../src/runtime.ts'
import { pdf, pendingDocument, putObject } from './support/documents.ts'
import { type TestEnv, testEnv } from './support/env.ts'

let env: TestEnv
let events: EventsRuntime
beforeAll(async () => {
  env = await testEnv()
  events = createEventsRuntime(
    { db: env.db, storage: env.storage, policies: defaultPolicies, log: env.log },
    { worker: true, reconcileIntervalMinutes: 0, orphanGraceMs: 0, multipartMaxAgeMs: 0 },
  )
})
afterAll(async () => {
  await events.close()
  await env.close()
})

const eventFor = (key: string) => ({
  bucket: env.storage.bucket,
  key,
  size: pdf.length,
  etag: 'e1',
})

/** Runs the worker until the queue is empty. */
async function drain() {
  while ((await events.worker!.runOnce()) > 0) {}
}

describe('onObjectCreated', () => {
  it('leaves a pending upload of a purpose inspected synchronously to its inspector', async () => {
    const policies = {
      ...defaultPolicies,
      document: { ...defaultPolicies.document!, inspection: 'sync' as const },
    }
    const doc = await pendingDocument(env.db, {
      body: pdf,
      contentType: 'application/pdf',
      method: 'post',
    })
    await putObject(env.storage, stagingKey(doc.objectKey), pdf, 'application/pdf')
    expect(
      await onObjectCreated({ ...env, policies }, eventFor(stagingKey(doc.objectKey))),
    ).toEqual({
      outcome: 'inspecting',
      documentId: doc.id,
    })
    expect((await findDocumentById(env.db, doc.id))?.status).toBe('pending')
  })

  it('confirms a pending upload from its event, then checks its content: pending → uploaded → ready', async () => {
    const doc = await pendingDocument(env.db, { body: pdf, contentType: 'application/pdf' })
    await putObject(env.storage, doc.objectKey, pdf, 'application/pdf')
    expect(await events.receive([eventFor(doc.objectKey)])).toBe(1)
    await events.worker!.runOnce()
    const confirmed = await findDocumentById(env.db, doc.id)
    expect(confirmed).toMatchObject({ status: 'uploaded' })
    expect(confirmed?.confirmedAt).toBeInstanceOf(Date)
    await drain()
    expect((await findDocumentById(env.db, doc.id))?.status).toBe('ready')
  })

  it('handles the same event delivered twice with one transition and no error', async () => {
    const doc = await pendingDocument(env.db, { body: pdf, contentType: 'application/pdf' })
    await putObject(env.storage, doc.objectKey, pdf, 'application/pdf')
    const event = eventFor(doc.objectKey)
    // Twice before the worker runs (deduped), and once more after it ran.
    await enqueueObjectCreated(env.db, [event, event])
    expect(await jobsDb(env.db).selectFrom('jobs').selectAll().execute()).toHaveLength(1)
    await drain()
    const first = await findDocumentById(env.db, doc.id)
    expect(await onObjectCreated({ ...env, policies: defaultPolicies }, event)).toEqual({
      outcome: 'already-confirmed',
      documentId: doc.id,
    })
    await events.receive([event])
    await drain()
    const after = await findDocumentById(env.db, doc.id)
    expect(after).toMatchObject({ status: 'ready', updatedAt: first?.updatedAt })
    expect(await jobsDb(env.db).selectFrom('jobs').selectAll().execute()).toEqual([])
  })

  it('changes nothing for a forged event about a key with no object', async () => {
    const doc = await pendingDocument(env.db, { body: pdf, contentType: 'application/pdf' })
    const outcome = await onObjectCreated(
      { ...env, policies: defaultPolicies },
      eventFor(doc.objectKey),
    )
    expect(outcome).toEqual({ outcome: 'missing', documentId: doc.id })
    expect(await findDocumentById(env.db, doc.id)).toEqual(doc)
  })

  it('drops events for unknown keys and for other buckets, logging them', async () => {
    const doc = await pendingDocument(env.db, { body: pdf, contentType: 'application/pdf' })
    await putObject(env.storage, doc.objectKey, pdf, 'application/pdf')
    const deps = { ...env, policies: defaultPolicies }
    expect(await onObjectCreated(deps, eventFor('nobody/document/x'))).toEqual({
      outcome: 'unknown-key',
    })
    expect(await onObjectCreated(deps, { ...eventFor(doc.objectKey), bucket: 'other' })).toEqual({
      outcome: 'unknown-key',
    })
    expect((await findDocumentById(env.db, doc.id))?.status).toBe('pending')
    expect(env.log.lines.some((l) => l.msg === 'S3 event for an unknown key dropped')).toBe(true)
  })

  it('rejects and deletes an object whose size differs from the declared one, as confirm would', async () => {
    const doc = await pendingDocument(env.db, { body: pdf, contentType: 'application/pdf' })
    await putObject(env.storage, doc.objectKey, Buffer.concat([pdf, pdf]), 'application/pdf')
    const outcome = await onObjectCreated(
      { ...env, policies: defaultPolicies },
      eventFor(doc.objectKey),
    )
    expect(outcome.outcome).toBe('rejected')
    const row = await findDocumentById(env.db, doc.id)
    expect(row?.status).toBe('rejected')
    expect(row?.rejectionReason).toMatch(/bytes were declared/)
    expect(await env.storage.head(doc.objectKey)).toBeUndefined()
  })

  it('confirms a put upload from the event for its staging key, moving the bytes to the served key', async () => {
    const doc = await pendingDocument(env.db, { body: pdf, contentType: 'application/pdf' })
    await putObject(env.storage, stagingKey(doc.objectKey), pdf, 'application/pdf')
    const deps = { ...env, policies: defaultPolicies }
    expect(await onObjectCreated(deps, eventFor(stagingKey(doc.objectKey)))).toEqual({
      outcome: 'confirmed',
      documentId: doc.id,
    })
    expect((await findDocumentById(env.db, doc.id))?.status).toBe('uploaded')
    expect(await env.storage.head(doc.objectKey)).toMatchObject({ size: pdf.length })
    expect(await env.storage.head(stagingKey(doc.objectKey))).toBeUndefined()
  })

  it('deletes a staging object written after its document was confirmed, keeping the served bytes', async () => {
    const doc = await pendingDocument(env.db, { body: pdf, contentType: 'application/pdf' })
    await putObject(env.storage, stagingKey(doc.objectKey), pdf, 'application/pdf')
    const deps = { ...env, policies: defaultPolicies }
    await onObjectCreated(deps, eventFor(stagingKey(doc.objectKey)))
    const served = await env.storage.head(doc.objectKey)
    // A still-valid signed URL used again after confirm.
    const other = Buffer.from(pdf).fill(0x41, 9)
    await putObject(env.storage, stagingKey(doc.objectKey), other, 'application/pdf')
    expect(await onObjectCreated(deps, eventFor(stagingKey(doc.objectKey)))).toEqual({
      outcome: 'already-confirmed',
      documentId: doc.id,
    })
    expect(await env.storage.head(stagingKey(doc.objectKey))).toBeUndefined()
    expect(await env.storage.head(doc.objectKey)).toEqual(served)
  })
})
