import type { Database } from '@uplink/db'
import { type ColumnType, type Generated, type Kysely, type Selectable, sql } from 'kysely'

/** The `jobs` table (migration 2026-11-28-0002-jobs). */
export interface JobTable {
  id: Generated<number>
  kind: string
  /** Dedupe key: enqueueing a key that is already queued or running does nothing. */
  key: string
  payload: ColumnType<unknown, string, string>
  status: ColumnType<
    'queued' | 'running' | 'dead',
    'queued' | undefined,
    'queued' | 'running' | 'dead'
  >
  attempts: ColumnType<number, never, number>
  maxAttempts: ColumnType<number, number | undefined, number>
  runAt: ColumnType<Date, Date | undefined, Date>
  /** A running job whose lease ran out (its worker died) is claimed again. */
  lockedUntil: Date | null
  lastError: string | null
  createdAt: ColumnType<Date, never, never>
}

export type Job = Selectable<JobTable>
export type JobsDb = Kysely<Database & { jobs: JobTable }>

/** The app's Kysely instance, seen with the jobs table. */
export function jobsDb(db: Kysely<Database>): JobsDb {
  return db.withTables<{ jobs: JobTable }>()
}

export interface NewJob {
  kind: string
  key: string
  payload: unknown
  maxAttempts?: number
  runAt?: Date
}

/**
 * Adds a job unless one with the same key is queued or running (at-least-once sources may
 * deliver twice). A dead job with the same key is revived. Returns true if a job was queued.
 */
export async function enqueueJob(db: Kysely<Database>, job: NewJob): Promise<boolean> {
  const res = await jobsDb(db)
    .insertInto('jobs')
    .values({
      kind: job.kind,
      key: job.key,
      payload: JSON.stringify(job.payload ?? null),
      ...(job.maxAttempts ? { maxAttempts: job.maxAttempts } : {}),
      ...(job.runAt ? { runAt: job.runAt } : {}),
    })
    .onConflict((oc) =>
      oc
        .column('key')
        .doUpdateSet({ status: 'queued', attempts: 0, runAt: new Date(), lastError: null })
        .where('jobs.status', '=', 'dead'),
    )
    .executeTakeFirst()
  return Number(res.numInsertedOrUpdatedRows ?? 0) > 0
}

/** `last_error` of a job whose lease ran out; the count is read back from it on the next expiry. */
const LEASE_EXPIRED = 'the lease expired'
const LEASE_EXPIRED_COUNT = `^${LEASE_EXPIRED} ([0-9]+) time`

/** How many leases in a row have expired, this one included (SQL, over the old row). */
const expiries = sql<number>`(coalesce(substring(last_error from ${LEASE_EXPIRED_COUNT}::text)::int, 0) + 1)`

/** e.g. "the lease expired 2 times (its worker died or stopped renewing it)". */
const leaseExpiredMessage = sql<string>`${LEASE_EXPIRED}::text || ' ' || ${expiries} || case when ${expiries} = 1 then ' time' else ' times' end || ' (its worker died or stopped renewing it)'`

export interface ClaimOptions {
  limit: number
  /** How long a claimed job is ours before another worker may claim it again (ms). */
  leaseMs: number
  /** Told about each job that ran out of attempts through expired leases (now `dead`). */
  onDead?: (job: Job) => void
}

/**
 * Claims up to `limit` due jobs: queued ones whose time has come and running ones whose lease
 * expired. Every claim counts as an attempt, a reclaim too: a running job whose lease expired on
 * its last attempt is marked `dead` instead of claimed again. `FOR UPDATE SKIP LOCKED` lets
 * several workers claim concurrently without overlap. One statement (one round trip): the two
 * updates touch disjoint rows (attempts left or not), so they can share a snapshot.
 */
export async function claimJobs(db: Kysely<Database>, options: ClaimOptions): Promise<Job[]> {
  const now = sql<Date>`now()`
  const rows = await jobsDb(db)
    .with('dead', (q) =>
      q
        .updateTable('jobs')
        .set({ status: 'dead', lockedUntil: null, lastError: leaseExpiredMessage })
        .where('status', '=', 'running')
        .where('lockedUntil', '<', now)
        .where((eb) => eb('attempts', '>=', eb.ref('maxAttempts')))
        .returningAll(),
    )
    .with('claimed', (q) =>
      q
        .updateTable('jobs')
        .set((eb) => ({
          status: 'running',
          attempts: eb('attempts', '+', 1),
          lockedUntil: sql<Date>`now() + ${`${options.leaseMs} milliseconds`}::interval`,
          // The old row's status: a running job here is one whose lease expired.
          lastError: sql<string>`case when status = 'running' then ${leaseExpiredMessage} else last_error end`,
        }))
        .where('id', 'in', (eb) =>
          eb
            .selectFrom('jobs')
            .select('id')
            .where((w) =>
              w.or([
                w.and([w('status', '=', 'queued'), w('runAt', '<=', now)]),
                w.and([
                  w('status', '=', 'running'),
                  w('lockedUntil', '<', now),
                  w('attempts', '<', w.ref('maxAttempts')),
                ]),
              ]),
            )
            .orderBy('runAt')
            .limit(options.limit)
            .forUpdate()
            .skipLocked(),
        )
        .returningAll(),
    )
    .selectFrom('dead')
    .selectAll()
    .select(sql<boolean>`true`.as('isDead'))
    .unionAll((eb) => eb.selectFrom('claimed').selectAll().select(sql<boolean>`false`.as('isDead')))
    .execute()
  const claimed: Job[] = []
  for (const { isDead, ...job } of rows) {
    if (isDead) options.onDead?.(job)
    else claimed.push(job)
  }
  return claimed
}

/**
 * Extends the lease of a job we are running. False when it is no longer ours: its lease ran out
 * and another worker claimed it (or it was marked `dead`), so our result must not be applied.
 */
export async function renewLease(
  db: Kysely<Database>,
  job: Job,
  leaseMs: number,
): Promise<boolean> {
  const res = await jobsDb(db)
    .updateTable('jobs')
    .set({ lockedUntil: sql<Date>`now() + ${`${leaseMs} milliseconds`}::interval` })
    .where('id', '=', job.id)
    .where('status', '=', 'running')
    .where('attempts', '=', job.attempts)
    .executeTakeFirst()
  return Number(res.numUpdatedRows) > 0
}

/** Done: the job row goes away (the outcome lives on the document). */
export async function completeJob(db: Kysely<Database>, job: Job): Promise<void> {
  await jobsDb(db)
    .deleteFrom('jobs')
    .where('id', '=', job.id)
    .where('attempts', '=', job.attempts)
    .execute()
}

/** Exponential backoff: 2 s, 4 s, 8 s … capped at 5 minutes. */
export function backoffMs(attempts: number): number {
  return Math.min(2 ** attempts * 1000, 300_000)
}

/** Failed: retried later with backoff, or `dead` after its last attempt (kept for inspection). */
export async function failJob(db: Kysely<Database>, job: Job, error: unknown): Promise<void> {
  const message = error instanceof Error ? error.message : String(error)
  const dead = job.attempts >= job.maxAttempts
  await jobsDb(db)
    .updateTable('jobs')
    .set({
      status: dead ? 'dead' : 'queued',
      runAt: new Date(Date.now() + backoffMs(job.attempts)),
      lockedUntil: null,
      lastError: message.slice(0, 2000),
    })
    .where('id', '=', job.id)
    .where('attempts', '=', job.attempts)
    .execute()
}
