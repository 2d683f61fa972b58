import type { Logger } from '@uplink/core'
import { type PinnedConnection, pinConnection } from '@uplink/db'
import type { Kysely } from 'kysely'

/** A statement waiting for the session; `on` binds it to one session (an unlock). */
interface Queued {
  statement: string
  on: PinnedConnection | undefined
  /** Waits for the next batch (or the linger's end) instead of starting one. */
  linger: boolean
  resolve: (done: { rows: unknown[]; session: PinnedConnection | undefined }) => void
  reject: (err: unknown) => void
}

/**
 * Releases a lock. `later`: the unlock need not go at once (nobody waits for it, e.g. the upload
 * is complete): it rides with the session's next batch, or goes alone after `lingerMs`.
 */
export type Unlock = (later?: boolean) => Promise<void>

/** What `tryLockThen` answers: how to unlock (undefined: held elsewhere), the rows of `then`. */
export interface TryLock {
  unlock: Unlock | undefined
  /** The rows of each statement of `then`, in order. */
  rows: unknown[][]
  /** Whether this process still has the session that took the lock (it was not lost since). */
  held: () => boolean
}

/** How long an unlock that nobody waits for may wait for a batch to ride with (ms). */
export const DEFAULT_LINGER_MS = 100

/** An advisory key as a SQL literal: the digits of a signed 64-bit integer, nothing else. */
function keyLiteral(key: string): string {
  if (!/^-?\d{1,19}$/.test(key)) throw new Error(`not an advisory lock key: ${key}`)
  return `${key}::bigint`
}

/**
 * One Postgres connection per process that holds session-level advisory locks for all of this
 * process's uploads, so locks cost one connection, not one per active PATCH. Locks are released
 * by `unlock`, and all at once by Postgres when the connection (or the process) dies.
 * Statements asked for while one batch is in flight go together in the next (one round trip for
 * every lock and unlock of a busy moment, instead of one each); they run in the order asked.
 * A broken connection (Postgres stopped, network cut) is noticed at once: `onLost` is told that
 * every lock is gone, and the next call connects again. There is no heartbeat or query timeout on
 * purpose: only a broken connection loses the session, never a slow event loop or Postgres (a
 * loaded machine would otherwise stop healthy PATCHes).
 */
export class LockSession {
  private session: Promise<PinnedConnection> | undefined
  private queued: Queued[] = []
  private flushing = false
  /** Counts sessions lost: a lock taken in one generation is gone in the next. */
  private generation = 0
  /** Set by `close`: no session is opened again (a pinned one would keep the pool from ending). */
  private closed = false
  /** Sends lingering unlocks that no other batch took along. */
  private lingerTimer: NodeJS.Timeout | undefined

  constructor(
    // biome-ignore lint/suspicious/noExplicitAny: raw SQL only.
    private readonly db: Kysely<any>,
    private readonly log: Logger,
    private readonly onLost: () => void = () => {},
    /** How long an unlock asked `later` may wait for a batch to ride with. */
    private readonly lingerMs = DEFAULT_LINGER_MS,
  ) {}

  /**
   * `pg_try_advisory_lock` (or `_shared`): resolves how to unlock `key` when this session now
   * holds it, undefined when another session does (exclusively, or at all for an exclusive try).
   */
  async tryLock(key: string, shared = false): Promise<Unlock | undefined> {
    return (await this.tryLockThen(key, [], shared)).unlock
  }

  /**
   * `tryLock`, then `then` (statements without parameters) in the same round trip, each run
   * after the lock statement with a snapshot of its own (READ COMMITTED): it sees every commit
   * made before the lock was granted. Their rows, whether the lock was had or not.
   */
  async tryLockThen(key: string, then: string[], shared = false): Promise<TryLock> {
    const how = shared ? '_shared' : ''
    const generation = this.generation
    const locking = this.run(
      `select pg_try_advisory_lock${how}(${keyLiteral(key)}) as locked`,
      undefined,
    )
    const reads = then.map((statement) => this.run(statement, undefined))
    const [{ rows, session }, ...read] = await Promise.all([locking, ...reads])
    const rowsOf = read.map((r) => r.rows)
    // A batch runs on one session: lost before it ran, the generation moved on.
    const held = () => this.generation === generation && this.session !== undefined
    if ((rows[0] as { locked?: boolean } | undefined)?.locked !== true || !session) {
      return { unlock: undefined, rows: rowsOf, held: () => false }
    }
    // The lock lives and dies with this session: a lost one has nothing left to release (and an
    // unlock on a newer session could release another request's hold of the same key).
    const unlock = async (later = false) => {
      await this.run(`select pg_advisory_unlock${how}(${keyLiteral(key)})`, session, later)
    }
    return { unlock, rows: rowsOf, held }
  }

  /** Releases every lock of this session and returns its connection to the pool. */
  async close(): Promise<void> {
    this.closed = true
    const pending = this.session
    this.session = undefined
    const session = await pending?.catch(() => undefined)
    if (!session) return
    // The pool keeps the connection (and so its session) open: release the locks explicitly.
    await session.query('select pg_advisory_unlock_all()').catch(() => {})
    session.release()
  }

  /**
   * Queues `statement` for the next batch; `on` set: only on that session (skipped if lost);
   * `linger`: the next batch another statement starts, or the linger's end.
   */
  private run(statement: string, on: PinnedConnection | undefined, linger = false) {
    return new Promise<{ rows: unknown[]; session: PinnedConnection | undefined }>(
      (resolve, reject) => {
        this.queued.push({ statement, on, linger, resolve, reject })
        if (linger) return this.armLinger()
        if (this.flushing) return
        this.flushing = true
        // Whatever else this turn of the event loop asks goes in the same batch.
        queueMicrotask(() => void this.flush())
      },
    )
  }

  /** At the linger's end, statements still waiting go (with whatever else is queued by then). */
  private armLinger() {
    if (this.lingerTimer) return
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined
      for (const q of this.queued) q.linger = false
      if (this.flushing || this.queued.length === 0) return
      this.flushing = true
      void this.flush()
    }, this.lingerMs)
    // A process ending does not wait for it: its connection's end releases every lock.
    this.lingerTimer.unref()
  }

  /**
   * Sends the queued statements, one batch per round trip, while any is not lingering; a batch
   * takes the lingering ones along (one round trip for a finished upload's unlock and the next
   * upload's lock).
   */
  private async flush(): Promise<void> {
    try {
      while (this.queued.some((q) => !q.linger)) {
        // An unlock bound to a session that is gone (lost, or closed at shutdown) has nothing
        // left to release: it must not open a new one.
        const batch = this.queued.filter((q) => {
          if (!q.on || this.session) return true
          q.resolve({ rows: [], session: q.on })
          return false
        })
        this.queued = []
        if (batch.length === 0) continue
        let session: PinnedConnection
        try {
          session = await this.open()
        } catch (err) {
          for (const q of batch) q.on ? q.resolve({ rows: [], session: q.on }) : q.reject(err)
          continue
        }
        const current = batch.filter((q) => {
          if (!q.on || q.on === session) return true
          q.resolve({ rows: [], session: q.on })
          return false
        })
        if (current.length === 0) continue
        try {
          const results = await session.queryAll(current.map((q) => q.statement).join(';\n'))
          current.forEach((q, i) => {
            q.resolve({ rows: results[i] ?? [], session })
          })
        } catch (err) {
          // Whatever the error, the batch's locks are in an unknown state: the session goes
          // (closed, so Postgres drops them) and every lock of it counts as lost.
          this.lose(session, err)
          for (const q of current) q.reject(err)
        }
      }
    } finally {
      this.flushing = false
      if (this.queued.length > 0) this.armLinger()
    }
  }

  /** Forgets a broken session (once): its locks are gone, the next call connects again. */
  private lose(session: PinnedConnection, err: unknown) {
    // A newer session still opening may fail: that is its caller's error, not ours.
    void this.session?.then(
      (current) => {
        if (current !== session) return
        this.session = undefined
        this.generation++
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
    if (this.closed) {
      return Promise.reject(
        new Error('the tus lock session is closed: the server is shutting down'),
      )
    }
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
