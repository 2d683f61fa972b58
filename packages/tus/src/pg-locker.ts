import { createHash } from 'node:crypto'
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/utils'
import { type Kysely, sql } from 'kysely'
import { LocalLocks, lockTimeout, waitUntil } from './local-locks.ts'
import type { Logger } from './logger.ts'
import { silentLogger } from './logger.ts'

export interface PgLockerOptions {
  // biome-ignore lint/suspicious/noExplicitAny: the locker runs raw SQL on any schema.
  db: Kysely<any>
  /** How long `lock()` waits before answering 423 (default 20 s). */
  acquireTimeoutMs?: number
  /** How often a contended advisory lock is retried (default 100 ms). */
  pollIntervalMs?: number
  /**
   * `advisory`: in-process lock plus a Postgres advisory lock (several server processes).
   * `in-process`: one process only (PGlite). `auto` (default) picks in-process on PGlite.
   */
  mode?: 'auto' | 'advisory' | 'in-process'
  log?: Logger
}

/** 64-bit advisory lock key for an upload id, namespaced so other advisory locks do not clash. */
export function advisoryKey(id: string): string {
  const digest = createHash('sha256').update(`uplink-tus:${id}`).digest()
  return digest.readBigInt64BE(0).toString()
}

/**
 * A tus Locker that lets several server instances serve one upload: an in-process lock first
 * (same-process waiters can ask the holder to release), then a transaction-scoped Postgres
 * advisory lock. The transaction pins one pool connection while the lock is held — size the
 * pool for the number of concurrent PATCHes — and ends (releasing the lock) on unlock, on any
 * error, and when the process dies and its connection drops.
 */
export class PgLocker implements Locker {
  readonly local = new LocalLocks()
  // biome-ignore lint/suspicious/noExplicitAny: see PgLockerOptions.db
  readonly db: Kysely<any>
  readonly timeoutMs: number
  readonly pollMs: number
  readonly log: Logger
  private modeResolved: Promise<'advisory' | 'in-process'> | undefined

  constructor(options: PgLockerOptions) {
    this.db = options.db
    this.timeoutMs = options.acquireTimeoutMs ?? 20_000
    this.pollMs = options.pollIntervalMs ?? 100
    this.log = options.log ?? silentLogger
    if (options.mode && options.mode !== 'auto') this.modeResolved = Promise.resolve(options.mode)
  }

  newLock(id: string): Lock {
    return new PgLock(this, id)
  }

  /** PGlite is one session inside this process: advisory locks would add nothing there. */
  mode(): Promise<'advisory' | 'in-process'> {
    this.modeResolved ??= sql<{ v: string }>`select version() as v`
      .execute(this.db)
      .then((r) => (r.rows[0]?.v.includes('PGlite') ? 'in-process' : 'advisory'))
    return this.modeResolved
  }
}

class PgLock implements Lock {
  private releases: (() => Promise<void>)[] = []

  constructor(
    private readonly locker: PgLocker,
    private readonly id: string,
  ) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const { timeoutMs } = this.locker
    const deadline = Date.now() + timeoutMs
    const releaseLocal = await this.locker.local.acquire(this.id, {
      signal,
      deadline,
      timeoutMs,
      requestRelease,
    })
    this.releases = [async () => releaseLocal()]
    try {
      if ((await this.locker.mode()) === 'advisory') {
        this.releases.unshift(await this.acquireAdvisory(signal, deadline))
      }
    } catch (err) {
      await this.unlock()
      throw err
    }
  }

  async unlock(): Promise<void> {
    const releases = this.releases
    this.releases = []
    for (const release of releases) {
      await release().catch((err: unknown) =>
        this.locker.log.error({ err, uploadId: this.id }, 'releasing a tus lock failed'),
      )
    }
  }

  /** Holds `pg_try_advisory_xact_lock` in an open transaction; resolves to its release. */
  private async acquireAdvisory(
    signal: AbortSignal,
    deadline: number,
  ): Promise<() => Promise<void>> {
    const { db, pollMs, timeoutMs } = this.locker
    const key = advisoryKey(this.id)
    let gaveUp = false
    let release!: () => void
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let acquired!: () => void
    const locked = new Promise<void>((resolve) => {
      acquired = resolve
    })

    const transaction = db.transaction().execute(async (trx) => {
      for (;;) {
        if (gaveUp) return
        const { rows } = await sql<{
          locked: boolean
        }>`select pg_try_advisory_xact_lock(${key}::bigint) as locked`.execute(trx)
        if (rows[0]?.locked) break
        if (Date.now() >= deadline || signal.aborted) return
        await new Promise((r) => setTimeout(r, pollMs))
      }
      if (gaveUp) return
      acquired()
      // "Transaction-level locks are released automatically at the end of the transaction."
      await held
    })

    transaction.catch(() => {})

    const state = Promise.race([locked.then(() => true), transaction.then(() => false)])
    state.catch(() => {})
    try {
      await waitUntil(state, signal, deadline, timeoutMs)
      if (!(await state)) throw signal.aborted ? ERRORS.ABORTED : lockTimeout(timeoutMs)
    } catch (err) {
      gaveUp = true
      release()
      await transaction.catch(() => {})
      throw err
    }
    return async () => {
      release()
      await transaction
    }
  }
}
