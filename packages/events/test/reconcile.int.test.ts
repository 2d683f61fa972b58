import { randomUUID } from 'node:crypto'
import { defaultPolicies } from '@uplink/core'
import { findDocumentById } from '@uplink/db'
import { stagingKey } from '@uplink/storage'
import { type RunningS3, startVersitygw } from '@uplink/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jobsDb } from '../src/job-queue.ts'
import { reconcile } from '../src/reconcile.ts'
import { pdf, pendingDocument, putObject } from './support/documents.ts'
import { type TestEnv, testEnv } from './support/env.ts'

// A bucket of our own: orphan deletion with no grace period must not touch other test files.
let s3: RunningS3
let env: TestEnv
beforeAll(async () => {
  s3 = await startVersitygw()
  env = await testEnv({ s3 })
})
afterAll(async () => {
  await env?.close()
  await s3?.stop()
})

const past = () => new Date(Date.now() - 60_000)
const deps = () => ({ ...env, policies: defaultPolicies })
const now = { orphanGraceMs: 0, multipartMaxAgeMs: 0 }

describe('reconcile', () => {
  it('settles expired pending rows, aborts orphan multipart uploads and deletes orphan objects', async () => {
    const gone = await pendingDocument(env.db, {
      body: pdf,
      contentType: 'application/pdf',
      expiresAt: past(),
    })
    const forgot = await pendingDocument(env.db, {
      body: pdf,
      contentType: 'application/pdf',
      expiresAt: past(),
    })
    await putObject(env.storage, forgot.objectKey, pdf, 'application/pdf')
    const live = await pendingDocument(env.db, {
      body: pdf,
      contentType: 'video/mp4',
      purpose: 'video',
      method: 'multipart',
    })
    const liveUpload = await env.storage.multipart.create({
      key: live.objectKey,
      contentType: 'video/mp4',
    })
    const orphanKey = `bob/video/${randomUUID()}`
    const orphanUpload = await env.storage.multipart.create({
      key: orphanKey,
      contentType: 'video/mp4',
    })
    const orphanObject = `bob/document/${randomUUID()}`
    await putObject(env.storage, orphanObject, pdf, 'application/pdf')
    await putObject(env.storage, 'not-uplink/readme.txt', pdf, 'text/plain')

    const dry = await reconcile(deps(), { ...now, dryRun: true })
    expect(dry).toMatchObject({
      skipped: false,
      dryRun: true,
      confirmed: [forgot.id],
      expired: [gone.id],
      multipartAborted: [`${orphanKey} ${orphanUpload}`],
      orphansDeleted: [orphanObject],
    })
    expect(await env.storage.head(orphanObject)).toBeDefined()
    expect((await findDocumentById(env.db, gone.id))?.status).toBe('pending')

    const run = await reconcile(deps(), now)
    expect(run).toMatchObject({
      confirmed: [forgot.id],
      rejected: [],
      expired: [gone.id],
      multipartAborted: [`${orphanKey} ${orphanUpload}`],
      orphansDeleted: [orphanObject],
      // Its confirmation queued the check (the statement that made it `uploaded`): none left to queue.
      checksQueued: 0,
    })
    expect((await findDocumentById(env.db, gone.id))?.status).toBe('expired')
    expect((await findDocumentById(env.db, forgot.id))?.status).toBe('uploaded')
    expect(await env.storage.head(orphanObject)).toBeUndefined()
    expect(await env.storage.head(forgot.objectKey)).toBeDefined()
    expect(await env.storage.head('not-uplink/readme.txt')).toBeDefined()
    const uploads = (await env.storage.multipart.listUploads()).map((u) => u.uploadId)
    expect(uploads).toEqual([liveUpload])
    const jobs = await jobsDb(env.db).selectFrom('jobs').select('key').execute()
    expect(jobs).toEqual([{ key: `check-content:${forgot.id}` }])

    // A second run finds nothing left to do.
    expect(await reconcile(deps(), now)).toMatchObject({
      confirmed: [],
      expired: [],
      multipartAborted: [],
      orphansDeleted: [],
    })
  })

  it('keeps objects and uploads younger than the grace periods', async () => {
    const key = `carol/document/${randomUUID()}`
    await putObject(env.storage, key, pdf, 'application/pdf')
    const hour = 3600_000
    const run = await reconcile(deps(), { orphanGraceMs: hour, multipartMaxAgeMs: hour })
    expect(run.orphansDeleted).toEqual([])
    expect(await env.storage.head(key)).toBeDefined()
  })

  it('does nothing while another process holds the reconcile lock', async () => {
    await env.db.connection().execute(async (conn) => {
      await sql`select pg_advisory_lock(${0x75706c6b})`.execute(conn)
      try {
        expect(await reconcile(deps(), now)).toMatchObject({ skipped: true })
      } finally {
        await sql`select pg_advisory_unlock(${0x75706c6b})`.execute(conn)
      }
    })
    expect((await reconcile(deps(), now)).skipped).toBe(false)
  })

  it('confirms staged uploads of expired rows, keeps those of pending rows and deletes orphaned ones', async () => {
    const forgot = await pendingDocument(env.db, {
      body: pdf,
      contentType: 'application/pdf',
      expiresAt: past(),
    })
    await putObject(env.storage, stagingKey(forgot.objectKey), pdf, 'application/pdf')
    const uploading = await pendingDocument(env.db, { body: pdf, contentType: 'application/pdf' })
    await putObject(env.storage, stagingKey(uploading.objectKey), pdf, 'application/pdf')
    // A staging object whose document is gone (or was never there), and one of a settled document.
    const orphan = stagingKey(`dave/document/${randomUUID()}`)
    await putObject(env.storage, orphan, pdf, 'application/pdf')
    const settled = await pendingDocument(env.db, { body: pdf, contentType: 'application/pdf' })
    await putObject(env.storage, settled.objectKey, pdf, 'application/pdf')
    await sql`update documents set status = 'uploaded' where id = ${settled.id}`.execute(env.db)
    await putObject(env.storage, stagingKey(settled.objectKey), pdf, 'application/pdf')

    const hour = 3600_000
    const young = await reconcile(deps(), { orphanGraceMs: hour, multipartMaxAgeMs: hour })
    expect(young).toMatchObject({ confirmed: [forgot.id], orphansDeleted: [] })
    expect(await env.storage.head(orphan)).toBeDefined()

    const run = await reconcile(deps(), now)
    expect(run.orphansDeleted.sort()).toEqual([orphan, stagingKey(settled.objectKey)].sort())
    expect(await env.storage.head(forgot.objectKey)).toMatchObject({ size: pdf.length })
    expect(await env.storage.head(stagingKey(forgot.objectKey))).toBeUndefined()
    expect(await env.storage.head(stagingKey(uploading.objectKey))).toBeDefined()
    expect(await env.storage.head(settled.objectKey)).toBeDefined()
  })
})
