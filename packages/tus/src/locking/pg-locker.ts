import { createHash } from 'node:crypto'
import { ERRORS, type Lock, type Locker, type RequestRelease } from '@tus/utils'
import { type Logger, silentLogger } from '@uplink/core'
import { poolOf } from '@uplink/db'
import { type Kysely, sql } from 'kysely'
import { requestState, takeLockAhead } from '../protocol/request-state.ts'
import { InstanceGuard } from './instance-guard.ts'
import { LocalLocks, lockTimeout, waitUntil } from './local-locks.ts'
import { LockSession, type TryLock, type Unlock } from './lock-session.ts'
import { ReleaseChannel } from './release-channel.ts'

export interface PgLockerOptions {
  // biome-ignore lint/suspicious/noExplicitAny: the locker runs raw SQL on any schema.
  db: Kysely<any>
  /** How long `lock()` waits before answering 423 (default 20 s). */
  acquireTimeoutMs?: number
  /** How often a contended advisory lock is retried (default 100 ms). */
  pollIntervalMs?: number
  /**
   * `advisory`: in-process lock plus a Postgres advisory lock (several server processes).
   * `single-instance`: in-process locks only, no Postgres round trip per request, for a
   * deployment of one server process; proven at first use (see InstanceGuard): while another
   * instance serves tus on the same database, the one started second answers 503.
   * `in-process`: one process only (PGlite). `auto` (default) picks in-process on PGlite,
   * advisory otherwise.
   */
  mode?: LockMode
  /**
   * Postgres URL for a LISTEN connection: a request waiting for an upload locked by another
   * instance asks it to release (without it, the wait ends only at the holder's unlock or timeout).
   */
  connectionString?: string
  log?: Logger
  /** Told how long each acquired lock was waited for, in seconds (metrics). */
  onLockWait?: ((seconds: number) => void) | undefined
  /**
   * How long the advisory unlock of an upload its request completed may wait to ride with the
   * lock session's next statements (default 100 ms, the default poll of a waiting instance).
   */
  unlockLingerMs?: number
}

export type LockMode = 'auto' | 'advisory' | 'single-instance' | 'in-process'
type ResolvedMode = Exclude<LockMode, 'auto'>

/** 64-bit advisory lock key for an upload id, namespaced so other advisory locks do not clash. */
export function advisoryKey(id: string): string {
  const digest = createHash('sha256').update(`uplink-tus:${id}`).digest()
  return digest.readBigInt64BE(0).toString()
}

/**
 * A tus Locker that lets several server instances serve one upload: an in-process lock first
 * (same-process waiters can ask the holder to release), then a session-level Postgres advisory
 * lock held on the process's one lock session (one connection, however many uploads). Released
 * on unlock, and by Postgres when the process dies and its connection drops.
 */
export class PgLocker implements Locker {
  readonly local = new LocalLocks()
  // biome-ignore lint/suspicious/noExplicitAny: see PgLockerOptions.db
  readonly db: Kysely<any>
  readonly timeoutMs: number
  readonly pollMs: number
  readonly log: Logger
  readonly session: LockSession
  readonly channel: ReleaseChannel | undefined
  readonly onLockWait: ((seconds: number) => void) | undefined
  /** Holds the instances key: shared in advisory mode, exclusive in single-instance mode. */
  readonly guard: InstanceGuard
  private modeResolved: Promise<ResolvedMode> | undefined

  constructor(options: PgLockerOptions) {
    this.db = options.db
    this.timeoutMs = options.acquireTimeoutMs ?? 20_000
    this.pollMs = options.pollIntervalMs ?? 100
    this.log = options.log ?? silentLogger
    // Locks held on a lost session no longer keep other instances out: their PATCHes stop
    // (they answer the offset stored so far) and the client resumes under a new lock.
    this.session = new LockSession(
      this.db,
      this.log,
      () => {
        this.guard.lost()
        this.local.requestReleaseAll()
      },
      options.unlockLingerMs,
    )
    this.guard = new InstanceGuard(this.session, options.mode === 'single-instance', this.log)
    this.onLockWait = options.onLockWait
    this.channel = options.connectionString
      ? new ReleaseChannel(
          options.connectionString,
          (id) => this.local.requestRelease(id),
          this.log,
        )
      : undefined
    if (options.mode && options.mode !== 'auto') {
      // PGlite (no pool) is one process by construction.
      const mode =
        options.mode === 'single-instance' && !poolOf(this.db) ? 'in-process' : options.mode
      this.modeResolved = Promise.resolve(mode)
    }
  }

  /** Releases every advisory lock this process holds (shutdown). */
  async close(): Promise<void> {
    await this.channel?.close()
    await this.session.close()
  }

  newLock(id: string): Lock {
    return new PgLock(this, id)
  }

  /**
   * Starts taking `id`'s advisory lock for the current request, so its round trip runs beside
   * the request's ownership check instead of after it; the request's `lock()` picks it up (a
   * session holds an advisory lock re-entrantly, so a lock of another request of this process
   * on the same upload still waits for the in-process lock). A request that never locks
   * releases it when it ends (UplinkTusServer). `then`, statements without parameters (the
   * ownership check's reads), go in the same round trip, after the lock statement: resolves to
   * the attempt (their rows, whether the lock was had), or undefined when no advisory lock was
   * tried (read them elsewhere).
   */
  lockAhead(id: string, then: string[] = []): Promise<TryLock | undefined> {
    const state = requestState()
    if (!state || state.made.has(id) || state.locksAhead.has(id)) {
      return Promise.resolve(undefined)
    }
    const attempt = this.mode().then(async (mode) => {
      if (mode !== 'advisory') return undefined
      await this.channel
        ?.listen()
        .catch((err: unknown) => this.log.warn({ err }, 'tus release channel down'))
      await this.guard.ensure()
      return this.session.tryLockThen(advisoryKey(id), then)
    })
    const release = attempt.then((tried) => tried?.unlock)
    // A failed attempt is taken again by lock(), which answers for it.
    release.catch(() => {})
    state.locksAhead.set(id, release)
    return attempt.catch(() => undefined)
  }

  /** PGlite is one session inside this process: advisory locks would add nothing there. */
  mode(): Promise<ResolvedMode> {
    if (this.modeResolved) return this.modeResolved
    const resolving = sql<{ v: string }>`select version() as v`
      .execute(this.db)
      .then((r) => (r.rows[0]?.v.includes('PGlite') ? 'in-process' : ('advisory' as const)))
    this.modeResolved = resolving
    // Asked during an outage: ask again next time.
    resolving.catch(() => {
      if (this.modeResolved === resolving) this.modeResolved = undefined
    })
    return resolving
  }
}

class PgLock implements Lock {
  private releases: Unlock[] = []

  constructor(
    private readonly locker: PgLocker,
    private readonly id: string,
  ) {}

  async lock(signal: AbortSignal, requestRelease: RequestRelease): Promise<void> {
    const { timeoutMs } = this.locker
    const started = Date.now()
    const deadline = started + timeoutMs
    const releaseLocal = await this.locker.local.acquire(this.id, {
      signal,
      deadline,
      timeoutMs,
      requestRelease,
    })
    this.releases = [async () => releaseLocal()]
    try {
      // An id this request just made (POST) is known to no other request or instance until
      // the 201 names it: the in-process lock is enough.
      const made = requestState()?.made.has(this.id) ?? false
      const ahead = takeLockAhead(this.id)
      const mode = await this.locker.mode()
      // The only instance: the in-process lock is the whole lock (once the guard proved it).
      if (mode === 'single-instance') await this.locker.guard.ensure()
      if (!made && mode === 'advisory') {
        const held = await ahead?.catch(() => undefined)
        this.releases.unshift(held ?? (await this.acquireAdvisory(signal, deadline)))
      }
      this.locker.onLockWait?.((Date.now() - started) / 1000)
    } catch (err) {
      await this.unlock()
      throw err
    }
  }

  /**
   * Passes the upload on without waiting for Postgres: the advisory unlock is queued on the lock
   * session, where any later lock of this process runs after it, and the in-process lock is
   * released at once (another instance sees the upload free one round trip later). An upload
   * this request completed takes no more bytes: its unlock rides with the session's next
   * statements (the next upload's lock) instead of costing a round trip alone; another
   * instance's HEAD of it waits at most `unlockLingerMs` longer.
   */
  async unlock(): Promise<void> {
    const releases = this.releases
    this.releases = []
    const later = requestState()?.completed.has(this.id) ?? false
    for (const release of releases) {
      void release(later).catch((err: unknown) =>
        this.locker.log.error({ err, uploadId: this.id }, 'releasing a tus lock failed'),
      )
    }
  }

  /** Polls `pg_try_advisory_lock` on the process's lock session until held or out of time. */
  private async acquireAdvisory(signal: AbortSignal, deadline: number): Promise<Unlock> {
    const { session, channel, pollMs, timeoutMs, log } = this.locker
    const key = advisoryKey(this.id)
    await channel?.listen().catch((err: unknown) => log.warn({ err }, 'tus release channel down'))
    await this.locker.guard.ensure()
    let asked = 0
    for (;;) {
      if (signal.aborted) throw ERRORS.ABORTED
      const unlock = await session.tryLock(key)
      if (unlock) return unlock
      if (Date.now() >= deadline) throw lockTimeout(timeoutMs)
      // Held by another instance: ask it to let go, again every second while we wait.
      if (channel && Date.now() >= asked + 1000) {
        asked = Date.now()
        await channel.request(this.id).catch(() => {})
      }
      await waitUntil(sleep(pollMs), signal, deadline + pollMs, timeoutMs)
    }
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))
