import { createDb, migrateToLatest } from '@uplink/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { claimJobs, enqueueJob, jobsDb } from '../src/job-queue.ts'
import { createWorker } from '../src/worker.ts'
import { type TestEnv, testEnv } from './support/env.ts'

let env: TestEnv
beforeAll(async () => {
  env = await testEnv()
})
afterAll(() => env.close())

const jobs = () => jobsDb(env.db).selectFrom('jobs').selectAll().orderBy('id').execute()

describe('Postgres job queue', () => {
  it('queues one job per key however often the same key is enqueued', async () => {
    expect(await enqueueJob(env.db, { kind: 'k', key: 'dup-1', payload: { n: 1 } })).toBe(true)
    expect(await enqueueJob(env.db, { kind: 'k', key: 'dup-1', payload: { n: 2 } })).toBe(false)
    const rows = (await jobs()).filter((j) => j.key === 'dup-1')
    expect(rows).toHaveLength(1)
    expect(rows[0]?.payload).toEqual({ n: 1 })
  })

  it('never hands the same job to two concurrent claimers (SKIP LOCKED)', async () => {
    for (let i = 0; i < 6; i++) await enqueueJob(env.db, { kind: 'c', key: `c-${i}`, payload: i })
    const [a, b, c] = await Promise.all(
      [1, 2, 3].map(() => claimJobs(env.db, { limit: 3, leaseMs: 60_000 })),
    )
    const ids = [...(a ?? []), ...(b ?? []), ...(c ?? [])].map((j) => j.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.length).toBeGreaterThanOrEqual(6)
  })

  it('retries a failing job with backoff, marks it dead after its last attempt, and revives it on a new enqueue', async () => {
    await jobsDb(env.db).deleteFrom('jobs').execute()
    await enqueueJob(env.db, { kind: 'flaky', key: 'flaky-1', payload: null, maxAttempts: 2 })
    let calls = 0
    const worker = createWorker({
      db: env.db,
      log: env.log,
      handlers: {
        flaky: async () => {
          calls++
          throw new Error(`boom ${calls}`)
        },
      },
    })
    expect(await worker.runOnce()).toBe(1)
    let [job] = await jobs()
    expect(job).toMatchObject({ status: 'queued', attempts: 1, lastError: 'boom 1' })
    expect(job!.runAt.getTime()).toBeGreaterThan(Date.now())
    expect(await worker.runOnce()).toBe(0) // not due yet
    await jobsDb(env.db).updateTable('jobs').set({ runAt: new Date() }).execute()
    expect(await worker.runOnce()).toBe(1)
    ;[job] = await jobs()
    expect(job).toMatchObject({ status: 'dead', attempts: 2, lastError: 'boom 2' })
    expect(await enqueueJob(env.db, { kind: 'flaky', key: 'flaky-1', payload: null })).toBe(true)
    expect((await jobs())[0]).toMatchObject({ status: 'queued', attempts: 0 })
  })

  it('claims a running job again once its lease expired (its worker died)', async () => {
    await jobsDb(env.db).deleteFrom('jobs').execute()
    await enqueueJob(env.db, { kind: 'x', key: 'lease-1', payload: null })
    expect(await claimJobs(env.db, { limit: 1, leaseMs: 1 })).toHaveLength(1)
    await new Promise((r) => setTimeout(r, 20))
    const again = await claimJobs(env.db, { limit: 1, leaseMs: 60_000 })
    expect(again).toMatchObject([{ key: 'lease-1', attempts: 2 }])
  })

  it('works on PGlite too', async () => {
    const db = createDb({ url: 'pglite:memory' })
    try {
      await migrateToLatest(db)
      let ran = 0
      const worker = createWorker({ db, log: env.log, handlers: { p: async () => void ran++ } })
      await enqueueJob(db, { kind: 'p', key: 'p-1', payload: {} })
      await enqueueJob(db, { kind: 'p', key: 'p-1', payload: {} })
      expect(await worker.runOnce()).toBe(1)
      expect(ran).toBe(1)
      expect(await jobsDb(db).selectFrom('jobs').selectAll().execute()).toEqual([])
    } finally {
      await db.destroy()
    }
  })
})
