import { ERRORS } from '@tus/utils'
import { silentLogger } from '@uplink/core'
import { createDb, migrateToLatest, poolOf, recordTusPart } from '@uplink/db'
import { testDatabase, waitFor } from '@uplink/testing'
import { sql } from 'kysely'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { advisoryKey, PgLocker, type PgLockerOptions } from '../src/index.ts'
import { LedgerBesideLock } from '../src/locking/ledger-beside-lock.ts'
import { LockSession } from '../src/locking/lock-session.ts'
import { RELEASE_CHANNEL } from '../src/locking/release-channel.ts'
import { requestState, withRequestState } from '../src/protocol/request-state.ts'
import { createPgPartLedger } from '../src/store/part-ledger.ts'

const never = () => new AbortController().signal
const noop = () => {}

describe('PgLocker on Postgres', () => {
  let url: string
  const dbs: ReturnType<typeof createDb>[] = []
  const db = () => {
    const d = createDb({ url, maxConnections: 2 })
    dbs.push(d)
    return d
  }
  beforeAll(async () => {
    url = await testDatabase()
  })
  const lockers: PgLocker[] = []
  const locker = (options: Omit<PgLockerOptions, 'db'>): PgLocker => {
    const l = new PgLocker({ db: db(), ...options })
    lockers.push(l)
    return l
  }
  afterAll(async () => {
    await Promise.all(lockers.map((l) => l.close()))
    await Promise.all(dbs.map((d) => d.destroy()))
  })

  it('survives losing its lock session: holders are asked to let go, and the next lock connects again', async () => {
    const one = locker({ acquireTimeoutMs: 2000, pollIntervalMs: 20 })
    let askedToRelease!: () => void
    const asked = new Promise<void>((resolve) => {
      askedToRelease = resolve
    })
    const held = one.newLock('lost/1')
    await held.lock(never(), () => askedToRelease())
    // Postgres ends the session holding the lock (as a restart or a cut network would).
    const key = BigInt.asUintN(64, BigInt(advisoryKey('lost/1')))
    const { rows } = await sql<{ pid: number }>`select pid from pg_locks
      where locktype = 'advisory' and classid = ${String(key >> 32n)}::oid
      and objid = ${String(key & 0xffffffffn)}::oid`.execute(db())
    expect(rows).toHaveLength(1)
    await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(db())
    await asked
    await held.unlock()
    // Its lock is gone: another instance takes it, then this one again on a new session.
    const other = locker({ acquireTimeoutMs: 2000, pollIntervalMs: 20 }).newLock('lost/1')
    await other.lock(never(), noop)
    await other.unlock()
    const again = one.newLock('lost/1')
    await again.lock(never(), noop)
    await again.unlock()
  })

  it('keeps a second instance out until the first unlocks, and times out with a 423', async () => {
    const one = locker({ acquireTimeoutMs: 400, pollIntervalMs: 20 })
    const two = locker({ acquireTimeoutMs: 400, pollIntervalMs: 20 })
    expect(await one.mode()).toBe('advisory')
    const held = one.newLock('owner/video/1')
    await held.lock(never(), noop)

    const started = Date.now()
    const err = await two
      .newLock('owner/video/1')
      .lock(never(), noop)
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ status_code: 423 })
    expect(Date.now() - started).toBeLessThan(2000)

    // Another id is independent.
    const other = two.newLock('owner/video/2')
    await other.lock(never(), noop)
    await other.unlock()

    await held.unlock()
    // Free once the unlock is through (unlock() does not wait for Postgres).
    const next = locker({ acquireTimeoutMs: 10_000, pollIntervalMs: 20 }).newLock('owner/video/1')
    await next.lock(never(), noop)
    await next.unlock()
  })

  it('gives up waiting when the request is aborted and leaves nothing held', async () => {
    const one = locker({ acquireTimeoutMs: 5000, pollIntervalMs: 20 })
    const two = locker({ acquireTimeoutMs: 5000, pollIntervalMs: 20 })
    const held = one.newLock('k')
    await held.lock(never(), noop)
    const controller = new AbortController()
    const waiting = two.newLock('k').lock(controller.signal, noop)
    setTimeout(() => controller.abort(), 100)
    await expect(waiting).rejects.toBe(ERRORS.ABORTED)
    await held.unlock()
    // Both pools still have their connections: repeated lock/unlock does not leak any.
    for (let i = 0; i < 5; i++) {
      const lock = two.newLock('k')
      await lock.lock(never(), noop)
      await lock.unlock()
    }
  })

  it('asks an in-process holder to release and hands over the lock', async () => {
    const same = locker({ acquireTimeoutMs: 2000 })
    const first = same.newLock('same')
    let asked = 0
    await first.lock(never(), () => {
      asked++
      setTimeout(() => void first.unlock(), 50)
    })
    const second = same.newLock('same')
    await second.lock(never(), noop)
    expect(asked).toBe(1)
    await second.unlock()
    expect(same.local.size).toBe(0)
  })

  it('holds the locks of many uploads on one connection, leaving the pool free', async () => {
    const many = locker({ acquireTimeoutMs: 1000 })
    const other = locker({ acquireTimeoutMs: 200, pollIntervalMs: 20 })
    const held = Array.from({ length: 20 }, (_, i) => many.newLock(`upload/${i}`))
    for (const lock of held) await lock.lock(never(), noop)
    // A pool of 2 still answers queries while 20 uploads are locked.
    const { rows } = await sql<{ n: number }>`select 1 as n`.execute(many.db)
    expect(rows).toEqual([{ n: 1 }])
    await expect(other.newLock('upload/7').lock(never(), noop)).rejects.toMatchObject({
      status_code: 423,
    })
    for (const lock of held) await lock.unlock()
    // unlock() does not wait for Postgres: another instance takes the lock once it is through.
    const again = locker({ acquireTimeoutMs: 10_000, pollIntervalMs: 20 }).newLock('upload/7')
    await again.lock(never(), noop)
    await again.unlock()
  })

  it('sends the locks and unlocks of uploads asked for at once in one round trip, and another instance still waits for each', async () => {
    const busy = locker({ acquireTimeoutMs: 5000 })
    const other = locker({ acquireTimeoutMs: 200, pollIntervalMs: 20 })
    // Warm up what a process does once (its lock mode, the instances key).
    const warm = busy.newLock('batch/warm')
    await warm.lock(never(), noop)
    await warm.unlock()
    const sent: string[] = []
    const query = pg.Client.prototype.query as (...args: unknown[]) => unknown
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      if (typeof args[0] === 'string' && args[0].includes('advisory')) sent.push(args[0])
      return query.apply(this, args)
    } as typeof pg.Client.prototype.query
    const held = Array.from({ length: 8 }, (_, i) => busy.newLock(`batch/${i}`))
    try {
      await Promise.all(held.map((lock) => lock.lock(never(), noop)))
    } finally {
      pg.Client.prototype.query = query as typeof pg.Client.prototype.query
    }
    // One round trip each before; now those asked while one is in flight share the next.
    expect(sent.length).toBeLessThanOrEqual(2)
    expect(sent.join(';\n').match(/pg_try_advisory_lock\(/g)).toHaveLength(8)
    for (const i of [0, 7]) {
      await expect(other.newLock(`batch/${i}`).lock(never(), noop)).rejects.toMatchObject({
        status_code: 423,
      })
    }
    await Promise.all(held.map((lock) => lock.unlock()))
    const again = locker({ acquireTimeoutMs: 10_000, pollIntervalMs: 20 })
    for (const i of [0, 7]) {
      const lock = again.newLock(`batch/${i}`)
      await lock.lock(never(), noop)
      await lock.unlock()
    }
  })

  describe('the unlock of an upload its request completed', () => {
    /** Whether a connection outside the locker can take `id`'s advisory lock (and gives it back). */
    const free = async (id: string) => {
      const { rows } = await sql<{
        ok: boolean
      }>`select pg_try_advisory_lock(${advisoryKey(id)}::bigint) as ok`.execute(outside)
      if (rows[0]?.ok)
        await sql`select pg_advisory_unlock(${advisoryKey(id)}::bigint)`.execute(outside)
      return rows[0]?.ok === true
    }
    let outside: ReturnType<typeof createDb>
    beforeAll(() => {
      // One connection: a lock it takes, it gives back on the same session.
      outside = createDb({ url, maxConnections: 1 })
      dbs.push(outside)
    })
    /** Locks and unlocks `id` in a request that completed the upload (or not). */
    const write = (l: PgLocker, id: string, completed: boolean) =>
      withRequestState({}, async () => {
        const lock = l.newLock(id)
        await lock.lock(never(), noop)
        if (completed) requestState()?.completed.set(id, { size: 1, contentType: undefined })
        await lock.unlock()
      })

    it("rides with the lock session's next statement: held until then, one round trip for both", async () => {
      const l = locker({ unlockLingerMs: 600_000 })
      await write(l, 'linger/warm', false)
      await write(l, 'linger/1', true)
      // Nothing else went: the lock is still held (nobody can write a complete upload anyway).
      expect(await free('linger/1')).toBe(false)
      const sent: string[] = []
      const query = pg.Client.prototype.query as (...args: unknown[]) => unknown
      pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
        if (typeof args[0] === 'string' && args[0].includes('advisory')) sent.push(args[0])
        return query.apply(this, args)
      } as typeof pg.Client.prototype.query
      const next = l.newLock('linger/2')
      try {
        await next.lock(never(), noop)
      } finally {
        pg.Client.prototype.query = query as typeof pg.Client.prototype.query
      }
      expect(sent).toHaveLength(1)
      expect(sent[0]).toMatch(/pg_advisory_unlock\(.*\n.*pg_try_advisory_lock\(/s)
      expect(await free('linger/1')).toBe(true)
      await next.unlock()
    })

    it('goes alone once the linger is over when nothing else is sent', async () => {
      const l = locker({ unlockLingerMs: 20 })
      await write(l, 'linger/3', true)
      await waitFor(() => free('linger/3'), { what: 'the lingering unlock to be sent' })
    })

    it('of an upload not complete goes at once: another instance may resume it now', async () => {
      const l = locker({ unlockLingerMs: 600_000 })
      await write(l, 'linger/4', false)
      await waitFor(() => free('linger/4'), { what: 'the unlock to be sent' })
    })
  })

  it('keeps no ledger read beside a lock another instance holds: the parts it records before letting go are read', async () => {
    const a = locker({ acquireTimeoutMs: 5000, pollIntervalMs: 20 })
    const b = locker({ acquireTimeoutMs: 5000, pollIntervalMs: 20 })
    await migrateToLatest(a.db)
    const id = 'ledger/1'
    const ledger = new LedgerBesideLock(createPgPartLedger(a.db))
    const holding = a.newLock(id)
    await holding.lock(never(), noop)
    await withRequestState({}, async () => {
      const ahead = ledger.readAhead(id)
      const tried = await b.lockAhead(id, [ahead!.statement])
      expect(tried?.unlock).toBeUndefined()
      ahead!.keep(tried!.rows[0] ?? [], tried!.held)
      // The holder records a part (another instance's ledger write), then lets go.
      await recordTusPart(a.db, id, { partNumber: 1, size: 5, checksum: 'AA==', etag: '"e"' })
      await holding.unlock()
      const waiting = b.newLock(id)
      await waiting.lock(never(), noop)
      expect([...(await ledger.list(id)).keys()]).toEqual([1])
      await waiting.unlock()
    })
  })

  it('asks a holder in another instance to release (LISTEN/NOTIFY) instead of waiting it out', async () => {
    const a = locker({ acquireTimeoutMs: 15_000, connectionString: url })
    const b = locker({ acquireTimeoutMs: 15_000, pollIntervalMs: 50, connectionString: url })
    const held = a.newLock('stale/1')
    let asked = 0
    await held.lock(never(), () => {
      asked++
      void held.unlock()
    })
    const started = Date.now()
    const next = b.newLock('stale/1')
    await next.lock(never(), noop)
    expect(asked).toBe(1)
    expect(Date.now() - started).toBeLessThan(5000)
    await next.unlock()
  })

  it('does not take its own release request (NOTIFY comes back to its sender) as one for its holder', async () => {
    const a = locker({ acquireTimeoutMs: 15_000, connectionString: url })
    const b = locker({ acquireTimeoutMs: 15_000, pollIntervalMs: 20, connectionString: url })
    // a holds the advisory lock with no request behind it (an unlock still on its way).
    const unlockA = await a.session.tryLock(advisoryKey('self/1'))
    expect(unlockA).toBeDefined()
    const heard: string[] = []
    const heardSentinel = new Promise<void>((resolve) => {
      const requestRelease = b.local.requestRelease.bind(b.local)
      b.local.requestRelease = (id: string) => {
        heard.push(id)
        if (id === 'sentinel/1') resolve()
        return requestRelease(id)
      }
    })
    // Another session echoes b's request with a sentinel: b hears them in commit order.
    const observer = new pg.Client({ connectionString: url })
    await observer.connect()
    observer.on('notification', (msg) => {
      if (msg.payload === 'self/1') void observer.query(`NOTIFY ${RELEASE_CHANNEL}, 'sentinel/1'`)
    })
    await observer.query(`LISTEN ${RELEASE_CHANNEL}`)
    let asked = 0
    const waiting = b.newLock('self/1')
    const locked = waiting.lock(never(), () => {
      asked++
    })
    await heardSentinel
    await unlockA?.()
    await locked
    expect(heard).not.toContain('self/1')
    expect(asked).toBe(0)
    await waiting.unlock()
    await observer.end()
  })

  it('keeps its holders through a stalled event loop (no heartbeat declares the lock session lost)', async () => {
    const one = locker({ acquireTimeoutMs: 1000, pollIntervalMs: 20 })
    let asked = 0
    const held = one.newLock('slow/1')
    await held.lock(never(), () => {
      asked++
    })
    // A blocked event loop (a loaded machine) for 3 s: nothing times the session out.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000)
    // Still held, nobody asked to let go: another instance times out with a 423.
    const err = await locker({ acquireTimeoutMs: 300, pollIntervalMs: 20 })
      .newLock('slow/1')
      .lock(never(), noop)
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ status_code: 423 })
    expect(asked).toBe(0)
    await held.unlock()
  })

  it('releases every lock of a process whose lock session closes', async () => {
    const dying = locker({ acquireTimeoutMs: 1000 })
    const other = locker({ acquireTimeoutMs: 1000, pollIntervalMs: 20 })
    await dying.newLock('crash/1').lock(never(), noop)
    await dying.close()
    const next = other.newLock('crash/1')
    await next.lock(never(), noop)
    await next.unlock()
  })

  it('opens no connection once closed: unlocks and locks of requests that outlive it leave the pool free to end', async () => {
    const d = db()
    const session = new LockSession(d, silentLogger)
    const first = await session.tryLockThen(advisoryKey('late/1'), [])
    const second = await session.tryLockThen(advisoryKey('late/2'), [])
    // The server shuts down while requests still hold their locks: one unlocks as the close
    // starts, one after it, and one more asks for a lock.
    const racing = first.unlock?.()
    await session.close()
    await racing
    await second.unlock?.()
    // Nothing is checked out of the pool, so ending it (db.destroy) does not wait forever.
    const checkedOut = () => {
      const pool = poolOf(d)
      return pool && pool.totalCount - pool.idleCount
    }
    expect(checkedOut()).toBe(0)
    await expect(session.tryLock(advisoryKey('late/3'))).rejects.toThrow(/closed/)
    expect(checkedOut()).toBe(0)
  })
})

describe('PgLocker single-instance (UPLINK_TUS_SINGLE_INSTANCE)', () => {
  const dbs: ReturnType<typeof createDb>[] = []
  const lockers: PgLocker[] = []
  let url: string
  beforeAll(async () => {
    // Its own database: advisory locks are per database, and the other block's instances hold theirs.
    url = await testDatabase()
  })
  afterAll(async () => {
    await Promise.all(lockers.map((l) => l.close()))
    await Promise.all(dbs.map((d) => d.destroy()))
  })
  const instance = (mode: 'single-instance' | 'advisory') => {
    const db = createDb({ url, maxConnections: 2 })
    dbs.push(db)
    const l = new PgLocker({ db, mode, acquireTimeoutMs: 1000, pollIntervalMs: 20 })
    lockers.push(l)
    return l
  }
  const takes = async (l: PgLocker, id: string) => {
    const lock = l.newLock(id)
    await lock.lock(never(), noop)
    await lock.unlock()
  }
  const refused = { status_code: 503 }

  it('locks in process once it holds the instances key, and no other instance serves while it does', async () => {
    const only = instance('single-instance')
    await takes(only, 'single/1')
    // In process: a second request for the same upload asks the holder and waits (423 at the end).
    const held = only.newLock('single/1')
    await held.lock(never(), noop)
    await expect(only.newLock('single/1').lock(never(), noop)).rejects.toMatchObject({
      status_code: 423,
    })
    await held.unlock()
    // Neither a multi-instance server nor another single one may serve beside it: 503, retryable.
    const advisory = instance('advisory')
    await expect(takes(advisory, 'single/2')).rejects.toMatchObject(refused)
    const second = instance('single-instance')
    await expect(takes(second, 'single/3')).rejects.toMatchObject(refused)
    // Once it stops, the others may start serving.
    await only.close()
    await takes(advisory, 'single/2')
    await expect(takes(second, 'single/3')).rejects.toMatchObject(refused)
    await advisory.close()
    await takes(second, 'single/3')
    await second.close()
  })
})

describe('PgLocker on PGlite', () => {
  it('uses in-process locks without pinning the single PGlite session', async () => {
    const db = createDb({ url: 'pglite:memory' })
    try {
      const locker = new PgLocker({ db, acquireTimeoutMs: 300 })
      expect(await locker.mode()).toBe('in-process')
      const held = locker.newLock('a')
      await held.lock(never(), noop)
      // The database stays usable while a lock is held.
      const rows = await db
        .selectFrom('documents' as never)
        .selectAll()
        .execute()
        .catch(() => [])
      expect(rows).toEqual([])
      await expect(locker.newLock('a').lock(never(), noop)).rejects.toMatchObject({
        status_code: 423,
      })
      await held.unlock()
      const again = locker.newLock('a')
      await again.lock(never(), noop)
      await again.unlock()
    } finally {
      await db.destroy()
    }
  })
})
