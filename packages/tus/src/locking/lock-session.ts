import type { Logger } from '@uplink/core'
import { type PinnedConnection, pinConnection } from '@uplink/db'
import type { Kysely } from 'kysely'

/**
 * One Postgres connection per process that holds session-level advisory locks for all of this
 * process's uploads, so locks cost one connection, not one per active PATCH. Locks are released
 * by `unlock`, and all at once by Postgres when the connection (or the process) dies.
 * A broken connection (Postgres stopped, network cut) is noticed at once: `onLost` is told that
 * every lock is gone, and the next call connects again.
 */
export class LockSession {
  private session: Promise<PinnedConnection> | undefined

  constructor(
    // biome-ignore lint/suspicious/noExplicitAny: raw SQL only.
    private readonly db: Kysely<any>,
    private readonly log: Logger,
    private readonly onLost: () => void = () => {},
  ) {}

  /**
   * `pg_try_advisory_lock` (or `_shared`): resolves how to unlock `key` when this session now
   * holds it, undefined when another session does (exclusively, or at all for an exclusive try).
   */
  async tryLock(key: string, shared = false): Promise<(() => Promise<void>) | undefined> {
    const how = shared ? '_shared' : ''
    const session = await this.open()
    const rows = await this.query(
      session,
      `select pg_try_advisory_lock${how}($1::bigint) as locked`,
      [key],
    )
    if ((rows[0] as { locked?: boolean } | undefined)?.locked !== true) return undefined
    // The lock lives and dies with this session: a lost one has nothing left to release.
    return async () => {
      if (this.session !== undefined && (await this.session.catch(() => undefined)) === session) {
        await this.query(session, `select pg_advisory_unlock${how}($1::bigint)`, [key])
      }
    }
  }

  /** Releases every lock of this session and returns its connection to the pool. */
  async close(): Promise<void> {
    const pending = this.session
    this.session = undefined
    const session = await pending?.catch(() => undefined)
    if (!session) return
    // The pool keeps the connection (and so its session) open: release the locks explicitly.
    await session.query('select pg_advisory_unlock_all()').catch(() => {})
    session.release()
  }

  private async query(session: PinnedConnection, text: string, values: unknown[]) {
    try {
      return await session.query(text, values)
    } catch (err) {
      this.lose(session, err)
      throw err
    }
  }

  /** Forgets a broken session (once): its locks are gone, the next call connects again. */
  private lose(session: PinnedConnection, err: unknown) {
    // A newer session still opening may fail: that is its caller's error, not ours.
    void this.session?.then(
      (current) => {
        if (current !== session) return
        this.session = undefined
        // Closed, not pooled: should it still be alive, its locks go with it.
        session.release(true)
        this.log.error({ err }, 'tus lock session lost its connection; reconnecting on next use')
        this.onLost()
      },
      () => {},
    )
  }

  private open(): Promise<PinnedConnection> {
    if (this.session) return this.session
    const opening = pinConnection(this.db).then(
      (session) => {
        void session.lost.then((err) => this.lose(session, err))
        return session
      },
      (err: unknown) => {
        if (this.session === opening) this.session = undefined
        throw err
      },
    )
    this.session = opening
    return opening
  }
}
