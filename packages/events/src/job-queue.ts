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

/**
 * Claims up to `limit` due jobs: queued ones whose time has come and running ones whose lease
 * expired. `FOR UPDATE SKIP LOCKED` lets several workers claim concurrently without overlap.
 */
export async function claimJobs(
  db: Kysely<Database>,
  options: { limit: number; leaseMs: number },
): Promise<Job[]> {
  const jdb = jobsDb(db)
  const now = sql<Date>`now()`
  return jdb
    .updateTable('jobs')
    .set((eb) => ({
      status: 'running',
      attempts: eb('attempts', '+', 1),
      lockedUntil: sql<Date>`now() + ${`${options.leaseMs} milliseconds`}::interval`,
    }))
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('jobs')
        .select('id')
        .where((w) =>
          w.or([
            w.and([w('status', '=', 'queued'), w('runAt', '<=', now)]),
            w.and([w('status', '=', 'running'), w('lockedUntil', '<', now)]),
          ]),
        )
        .orderBy('runAt')
        .limit(options.limit)
        .forUpdate()
        .skipLocked(),
    )
    .returningAll()
    .execute()
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
