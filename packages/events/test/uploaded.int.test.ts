import { defaultPolicies } from '@uplink/core'
import { findDocumentById, transitionDocument } from '@uplink/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobsDb } from '../src/job-queue.ts'
import { enqueueContentCheck, JOB_CHECK_CONTENT } from '../src/object-created.ts'
import { createEventsRuntime, type EventsRuntime } from '../src/runtime.ts'
import { pdf, pendingDocument, putObject } from './support/documents.ts'
import { type TestEnv, testEnv } from './support/env.ts'
import { queriesOf } from './support/queries-of.ts'

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

describe('a document becoming uploaded', () => {
  it('has its content check queued by the statement that moved it, so telling the runtime costs no round trip', async () => {
    const doc = await pendingDocument(env.db, { body: pdf, contentType: 'application/pdf' })
    await putObject(env.storage, doc.objectKey, pdf, 'application/pdf')
    await transitionDocument(env.db, doc.id, { to: 'uploaded', from: ['pending'] })
    const jobs = await jobsDb(env.db).selectFrom('jobs').selectAll().execute()
    expect(jobs).toMatchObject([
      {
        kind: JOB_CHECK_CONTENT,
        key: `${JOB_CHECK_CONTENT}:${doc.id}`,
        payload: { documentId: doc.id },
        status: 'queued',
      },
    ])
    expect(await queriesOf(env.db, () => events.uploaded(doc.id))).toBe(0)
    // The queued job is the check itself: it makes the document ready.
    expect(await events.worker!.runOnce()).toBe(1)
    expect(await findDocumentById(env.db, doc.id)).toMatchObject({ status: 'ready' })
    expect(await jobsDb(env.db).selectFrom('jobs').selectAll().execute()).toEqual([])
  })

  it('of a purpose inspected synchronously is left to its upload by that job, and checked when reconcile queues it', async () => {
    const policies = {
      ...defaultPolicies,
      document: { ...defaultPolicies.document!, inspection: 'sync' as const },
    }
    const inspected = createEventsRuntime(
      { db: env.db, storage: env.storage, policies, log: env.log },
      { worker: true, reconcileIntervalMinutes: 0, orphanGraceMs: 0, multipartMaxAgeMs: 0 },
    )
    const doc = await pendingDocument(env.db, { body: pdf, contentType: 'application/pdf' })
    await putObject(env.storage, doc.objectKey, pdf, 'application/pdf')
    await transitionDocument(env.db, doc.id, { to: 'uploaded', from: ['pending'] })
    // Its upload inspected every byte and moves it to `ready` itself: no second read.
    expect(await inspected.worker!.runOnce()).toBe(1)
    expect(await findDocumentById(env.db, doc.id)).toMatchObject({ status: 'uploaded' })
    // Still `uploaded` later (its process died in between): reconcile's job checks it.
    expect(await enqueueContentCheck(env.db, doc.id)).toBe(true)
    expect(await inspected.worker!.runOnce()).toBe(1)
    expect(await findDocumentById(env.db, doc.id)).toMatchObject({ status: 'ready' })
  })
})
