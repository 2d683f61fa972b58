import { createDb, migrateToLatest } from '@uplink/db'
import { waitFor } from '@uplink/testing'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { claimJobs, enqueueJob, jobsDb } from '../src/job-queue.ts'
import { createWorker } from '../src/worker.ts'
import { type TestEnv, testEnv } from './support/env.ts'
import { queriesOf } from './support/queries-of.ts'

let env: TestEnv
beforeAll(async () => {
  env = await testEnv()
})
afterAll(() => env.close())

const jobs = () => jobsDb(env.db).selectFrom('jobs').selectAll().orderBy('id').execute()
/** Its worker died: the lease of every running job ran out a second ago (no waiting for it). */
const expireLeases = () =>
  jobsDb(env.db)
    .updateTable('jobs')
    .set({ lockedUntil: sql<Date>`now() - interval '1 second'` })
    .where('status', '=', 'running')
    .execute()

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
    expect(await claimJobs(env.db, { limit: 1, leaseMs: 60_000 })).toHaveLength(1)
    expect(await claimJobs(env.db, { limit: 1, leaseMs: 60_000 })).toEqual([])
    await expireLeases()
    const again = await claimJobs(env.db, { limit: 1, leaseMs: 60_000 })
    expect(again).toMatchObject([
      {
        key: 'lease-1',
        attempts: 2,
        lastError: 'the lease expired 1 time (its worker died or stopped renewing it)',
      },
    ])
  })

  it('renews the lease of a handler that outlives it, so the job runs once and completes', async () => {
    await jobsDb(env.db).deleteFrom('jobs').execute()
    await enqueueJob(env.db, { kind: 'slow', key: 'slow-1', payload: null, maxAttempts: 2 })
    let calls = 0
    let release = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    const handlers = {
      slow: async () => {
        calls++
        await held
      },
    }
    // Renewed every ~0.7 s: the handler outlives the 2 s lease; a stalled event loop does not.
    const a = createWorker({ db: env.db, log: env.log, handlers, leaseMs: 2000 })
    const b = createWorker({ db: env.db, log: env.log, handlers, leaseMs: 2000 })
    const first = a.runOnce()
    let firstLease: Date | undefined
    await waitFor('worker a to claim the job', async () => {
      firstLease = (await jobs())[0]?.lockedUntil ?? undefined
      return firstLease !== undefined
    })
    // On the database's clock: the first lease has run out, and a renewal carried it on.
    await waitFor(
      'the lease to outlive its first term',
      async () => {
        const { rows } = await sql<{ renewed: boolean }>`
          select now() > ${firstLease} and locked_until > now() as renewed
          from jobs where key = 'slow-1'`.execute(env.db)
        return rows[0]?.renewed === true
      },
      60_000,
    )
    expect(await b.runOnce()).toBe(0)
    release()
    expect(await first).toBe(1)
    expect(calls).toBe(1)
    expect(await jobs()).toEqual([])
  })

  it('claims a job whose worker died (claimed, never renewed) at most max_attempts times, then marks it dead saying the lease expired', async () => {
    await jobsDb(env.db).deleteFrom('jobs').execute()
    await enqueueJob(env.db, { kind: 'hang', key: 'hang-1', payload: null, maxAttempts: 3 })
    let claims = 0
    for (let round = 0; round < 6; round++) {
      // A dead worker: it claims, its handler hangs forever, nobody renews the lease.
      claims += (await claimJobs(env.db, { limit: 5, leaseMs: 60_000 })).length
      await expireLeases()
    }
    expect(claims).toBe(3)
    const [job] = await jobs()
    expect(job).toMatchObject({
      status: 'dead',
      attempts: 3,
      lockedUntil: null,
      lastError: 'the lease expired 3 times (its worker died or stopped renewing it)',
    })
    // A live worker finds nothing left to run.
    let ran = 0
    const worker = createWorker({
      db: env.db,
      log: env.log,
      handlers: { hang: async () => void ran++ },
    })
    expect(await worker.runOnce()).toBe(0)
    expect(ran).toBe(0)
  })

  it('a live worker marks a job dead once its last lease expired, and logs it', async () => {
    await jobsDb(env.db).deleteFrom('jobs').execute()
    await enqueueJob(env.db, { kind: 'hang', key: 'hang-2', payload: null, maxAttempts: 1 })
    expect(await claimJobs(env.db, { limit: 5, leaseMs: 60_000 })).toHaveLength(1)
    await expireLeases()
    const worker = createWorker({ db: env.db, log: env.log, handlers: {} })
    expect(await worker.runOnce()).toBe(0)
    expect((await jobs())[0]).toMatchObject({ status: 'dead', attempts: 1 })
    expect(env.log.lines).toContainEqual(
      expect.objectContaining({ level: 'error', msg: 'job dead: out of attempts' }),
    )
  })

  it('claims due jobs and marks dead the one whose last lease expired in one round trip', async () => {
    await jobsDb(env.db).deleteFrom('jobs').execute()
    await enqueueJob(env.db, { kind: 'hang', key: 'hang-3', payload: null, maxAttempts: 1 })
    expect(await claimJobs(env.db, { limit: 5, leaseMs: 60_000 })).toHaveLength(1)
    await expireLeases()
    await enqueueJob(env.db, { kind: 'due', key: 'due-1', payload: 'now' })
    const dead: string[] = []
    let claimed: Awaited<ReturnType<typeof claimJobs>> = []
    const sent = await queriesOf(env.db, async () => {
      claimed = await claimJobs(env.db, {
        limit: 5,
        leaseMs: 60_000,
        onDead: (job) => dead.push(job.key),
      })
    })
    expect(sent).toBe(1)
    expect(claimed.map((j) => [j.key, j.status, j.attempts])).toEqual([['due-1', 'running', 1]])
    expect(dead).toEqual(['hang-3'])
    expect((await jobs()).map((j) => [j.key, j.status])).toEqual([
      ['hang-3', 'dead'],
      ['due-1', 'running'],
    ])
  })

  it('runs a job it was woken for with one claim and one completion, and no empty round after it', async () => {
    await jobsDb(env.db).deleteFrom('jobs').execute()
    // Another process queues the job: its pool's queries are not counted.
    const other = createDb({ url: env.databaseUrl })
    const rounds: number[] = []
    let roundDone!: () => void
    let idle = new Promise<void>((resolve) => {
      roundDone = resolve
    })
    const worker = createWorker({
      db: env.db,
      log: env.log,
      // Only a wake-up starts a round within the test.
      pollIntervalMs: 600_000,
      idlePollIntervalMs: 600_000,
      handlers: { once: async () => {} },
      onRound: (n) => {
        rounds.push(n)
        roundDone()
      },
    })
    try {
      worker.start()
      // Its first round starts once LISTEN is in place.
      await idle
      const sent = await queriesOf(env.db, async () => {
        idle = new Promise<void>((resolve) => {
          roundDone = resolve
        })
        expect(await enqueueJob(other, { kind: 'once', key: 'once-1', payload: null })).toBe(true)
        // The round ends once its job is completed.
        await idle
        await worker.stop()
      })
      expect(rounds).toEqual([0, 1])
      expect(await jobs()).toEqual([])
      // The claim and the completion: nothing else, before or after.
      expect(sent).toBe(2)
    } finally {
      await worker.stop()
      await other.destroy()
    }
  }, 60_000)

  it('drops the outcome of a handler whose job another worker claimed again after its lease ran out', async () => {
    await jobsDb(env.db).deleteFrom('jobs').execute()
    await enqueueJob(env.db, { kind: 'lost', key: 'lost-1', payload: null, maxAttempts: 5 })
    let aborted = false
    const worker = createWorker({
      db: env.db,
      log: env.log,
      leaseMs: 300,
      handlers: {
        lost: async (_payload, _job, { signal }) => {
          // Ends when its renewal finds the job taken (the abort).
          await waitFor(() => signal.aborted, {
            what: 'the renewal to find the job taken and abort the handler',
            timeoutMs: 30_000,
          }).catch(() => {})
          aborted = signal.aborted
        },
      },
    })
    const run = worker.runOnce()
    await waitFor(
      'the worker to claim the job',
      async () => (await jobs())[0]?.status === 'running',
    )
    // Its worker stalled past the lease (e.g. a long GC pause) and another worker took the job.
    // One transaction: the first worker's renewal waits on the row and cannot slip in between.
    const claimed = await env.db.transaction().execute(async (trx) => {
      await jobsDb(trx)
        .updateTable('jobs')
        .set({ lockedUntil: new Date(Date.now() - 1000) })
        .execute()
      return claimJobs(trx, { limit: 5, leaseMs: 60_000 })
    })
    expect(claimed).toHaveLength(1)
    expect(await run).toBe(1)
    expect(aborted).toBe(true)
    // Not completed by the first worker: the second claim still owns the row.
    expect(await jobs()).toMatchObject([{ key: 'lost-1', status: 'running', attempts: 2 }])
    expect(env.log.lines).toContainEqual(
      expect.objectContaining({
        msg: 'job lease lost to another worker; the outcome of this attempt is dropped',
      }),
    )
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
    // A safety net: PGlite compiles its WebAssembly and runs every migration, slow on a busy machine.
  }, 600_000)

  it('wakes for a job queued by another process at once, not at its next poll', async () => {
    await jobsDb(env.db).deleteFrom('jobs').execute()
    // Another process: its own pool on the same database, no worker of its own.
    const other = createDb({ url: env.databaseUrl })
    let handled!: (payload: unknown) => void
    const ran = new Promise<unknown>((resolve) => {
      handled = resolve
    })
    let idle!: () => void
    const wentIdle = new Promise<void>((resolve) => {
      idle = resolve
    })
    const worker = createWorker({
      db: env.db,
      log: env.log,
      // Ten minutes between polls: only a wake-up can run the job within the test.
      pollIntervalMs: 600_000,
      idlePollIntervalMs: 600_000,
      handlers: { ping: async (payload) => handled(payload) },
      onRound: (n) => {
        if (n === 0) idle()
      },
    })
    try {
      worker.start()
      // Its first round found nothing: from now on it waits for the poll or a wake-up.
      await wentIdle
      expect(await enqueueJob(other, { kind: 'ping', key: 'ping-1', payload: 'pong' })).toBe(true)
      expect(await ran).toBe('pong')
    } finally {
      await worker.stop()
      await other.destroy()
    }
  }, 60_000)
})
