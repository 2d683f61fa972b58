import { ERRORS } from '@tus/utils'
import { createDb } from '@uplink/db'
import { testDatabase } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PgLocker } from '../src/index.ts'

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
  afterAll(() => Promise.all(dbs.map((d) => d.destroy())))

  it('keeps a second instance out until the first unlocks, and times out with a 423', async () => {
    const one = new PgLocker({ db: db(), acquireTimeoutMs: 400, pollIntervalMs: 20 })
    const two = new PgLocker({ db: db(), acquireTimeoutMs: 400, pollIntervalMs: 20 })
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
    const next = two.newLock('owner/video/1')
    await next.lock(never(), noop)
    await next.unlock()
  })

  it('gives up waiting when the request is aborted and leaves nothing held', async () => {
    const one = new PgLocker({ db: db(), acquireTimeoutMs: 5000, pollIntervalMs: 20 })
    const two = new PgLocker({ db: db(), acquireTimeoutMs: 5000, pollIntervalMs: 20 })
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
    const locker = new PgLocker({ db: db(), acquireTimeoutMs: 2000 })
    const first = locker.newLock('same')
    let asked = 0
    await first.lock(never(), () => {
      asked++
      setTimeout(() => void first.unlock(), 50)
    })
    const second = locker.newLock('same')
    await second.lock(never(), noop)
    expect(asked).toBe(1)
    await second.unlock()
    expect(locker.local.size).toBe(0)
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
