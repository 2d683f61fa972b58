import type { Kysely } from 'kysely'
import type pg from 'pg'
import { poolOf } from './create-db.ts'

/** One connection taken out of a `createDb` pool, for state that lives in a session. */
export interface PinnedConnection {
  query<R>(text: string, values?: unknown[]): Promise<R[]>
  /**
   * Several statements (`;`-separated, no parameters) in one round trip, run in order, each
   * with its own snapshot under READ COMMITTED: the rows of each, in order.
   */
  queryAll(text: string): Promise<unknown[][]>
  /** Settles once the connection broke (Postgres stopped or restarted, network cut). */
  readonly lost: Promise<Error>
  /** Returns it to the pool; closes it instead when it broke or `drop` is set (session state). */
  release(drop?: boolean): void
}

/**
 * Checks out a connection of `db`'s pool until `release()`, for session state such as advisory
 * locks. Its 'error' and 'end' are handled: a broken connection settles `lost`, never ends the
 * process. Only for `createDb` on Postgres (PGlite has no pool).
 */
// biome-ignore lint/suspicious/noExplicitAny: any schema's Kysely.
export async function pinConnection(db: Kysely<any>): Promise<PinnedConnection> {
  const pool = poolOf(db)
  if (!pool) throw new Error('pinConnection needs a Postgres database made by createDb')
  const client = await pool.connect()
  let broken: Error | undefined
  let released = false
  let settle!: (err: Error) => void
  const lost = new Promise<Error>((resolve) => {
    settle = resolve
  })
  const onBroken = (err?: Error) => {
    broken ??= err ?? new Error('the Postgres connection ended')
    stopListening()
    settle(broken)
  }
  const stopListening = () => {
    client.off('error', onBroken)
    client.off('end', onBroken)
  }
  client.on('error', onBroken)
  client.on('end', onBroken)
  return {
    lost,
    async query<R>(text: string, values?: unknown[]) {
      if (broken) throw broken
      return (await client.query(text, values)).rows as R[]
    },
    async queryAll(text: string) {
      if (broken) throw broken
      // pg answers one result for one statement, an array of them for several.
      const results: pg.QueryResult | pg.QueryResult[] = await client.query(text)
      return (Array.isArray(results) ? results : [results]).map((r) => r.rows)
    },
    release(drop = false) {
      if (released) return
      released = true
      stopListening()
      // Released with an error, the pool closes the connection instead of reusing it.
      client.release(broken ?? drop)
    },
  }
}
