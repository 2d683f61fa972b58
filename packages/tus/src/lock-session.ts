import type { Logger } from '@uplink/core'
import { type Kysely, sql } from 'kysely'

/**
 * One Postgres connection per process that holds session-level advisory locks for all of this
 * process's uploads, so locks cost one connection, not one per active PATCH. Locks are released
 * by `unlock`, and all at once by Postgres when the connection (or the process) dies.
 */
export class LockSession {
  private session: Promise<{ db: Kysely<unknown>; close: () => void }> | undefined

  constructor(
    // biome-ignore lint/suspicious/noExplicitAny: raw SQL only.
    private readonly db: Kysely<any>,
    private readonly log: Logger,
  ) {}

  /** `pg_try_advisory_lock`: true when this session now holds `key`. */
  tryLock(key: string): Promise<boolean> {
    return this.query(async (db) => {
      const { rows } = await sql<{
        locked: boolean
      }>`select pg_try_advisory_lock(${key}::bigint) as locked`.execute(db)
      return rows[0]?.locked === true
    })
  }

  /** `pg_advisory_unlock`; a lost session has nothing left to release. */
  async unlock(key: string): Promise<void> {
    await this.query((db) => sql`select pg_advisory_unlock(${key}::bigint)`.execute(db))
  }

  /** Releases every lock of this session and returns its connection to the pool. */
  async close(): Promise<void> {
    const pending = this.session
    this.session = undefined
    const session = await pending?.catch(() => undefined)
    if (!session) return
    // The pool keeps the connection (and so its session) open: release the locks explicitly.
    await sql`select pg_advisory_unlock_all()`.execute(session.db).catch(() => {})
    session.close()
  }

  private async query<T>(run: (db: Kysely<unknown>) => Promise<T>): Promise<T> {
    const session = await this.open()
    try {
      return await run(session.db)
    } catch (err) {
      // A broken connection lost every lock it held; the next call opens a new one.
      this.log.error({ err }, 'tus lock session failed; reconnecting on next use')
      if (this.session) {
        this.session = undefined
        session.close()
      }
      throw err
    }
  }

  private open() {
    this.session ??= new Promise((resolve, reject) => {
      let close!: () => void
      const closed = new Promise<void>((r) => {
        close = r
      })
      this.db
        .connection()
        .execute(async (db) => {
          resolve({ db, close })
          await closed
        })
        .catch((err: unknown) => {
          this.session = undefined
          reject(err)
        })
    })
    return this.session
  }
}
