import type { Database } from '@uplink/db'
import { type Kysely, sql } from 'kysely'

/** Arbitrary constant identifying "reconciliation" among advisory locks. */
const LOCK_ID = 0x75706c6b // "uplk"

const running = new WeakSet<Kysely<Database>>()
const pglite = new WeakMap<Kysely<Database>, boolean>()

async function isPglite(db: Kysely<Database>): Promise<boolean> {
  let known = pglite.get(db)
  if (known === undefined) {
    const { rows } = await sql<{ v: string }>`select version() as v`.execute(db)
    known = rows[0]?.v.includes('PGlite') ?? false
    pglite.set(db, known)
  }
  return known
}

/**
 * Runs `fn` unless another reconciliation holds the lock; returns undefined then.
 * Postgres: a session advisory lock held on one pooled connection for the whole run, so runs in
 * other processes skip. PGlite is a single in-process session (advisory locks would be
 * re-entrant there), so an in-process guard stands in.
 */
export async function withReconcileLock<T>(
  db: Kysely<Database>,
  fn: () => Promise<T>,
): Promise<T | undefined> {
  if (running.has(db)) return undefined
  running.add(db)
  try {
    if (await isPglite(db)) return await fn()
    return await db.connection().execute(async (conn) => {
      const { rows } = await sql<{ locked: boolean }>`
        select pg_try_advisory_lock(${LOCK_ID}) as locked`.execute(conn)
      if (!rows[0]?.locked) return undefined
      try {
        return await fn()
      } finally {
        await sql`select pg_advisory_unlock(${LOCK_ID})`.execute(conn)
      }
    })
  } finally {
    running.delete(db)
  }
}
