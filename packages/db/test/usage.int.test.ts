import { randomUUID } from 'node:crypto'
import { checkQuotas, QuotaError, type Quotas, type UploadMethod } from '@uplink/core'
import { testDatabase } from '@uplink/testing'
import { type Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createDb,
  type Database,
  insertPendingDocument,
  insertPendingDocumentWithin,
  migrateToLatest,
  transitionDocument,
  uploadUsage,
} from '../src/index.ts'

const backends = [
  { name: 'Postgres', url: () => testDatabase() },
  { name: 'PGlite', url: async () => 'pglite:memory' },
]
const OFF: Quotas = {
  pendingUploads: 0,
  unfinishedUploads: 0,
  bytesInFlight: 0,
  storedBytesPerPurpose: 0,
}

interface Start {
  method?: UploadMethod
  size?: number
  purpose?: string
}
interface Held extends Start {
  status?: 'pending' | 'uploaded'
  expired?: boolean
}

function pendingRow(ownerId: string, start: Start & { expired?: boolean } = {}) {
  const id = randomUUID()
  const purpose = start.purpose ?? 'image'
  return {
    id,
    ownerId,
    purpose,
    objectKey: `${ownerId}/${purpose}/${id}`,
    filename: 'a.png',
    contentType: 'image/png',
    sizeBytes: start.size ?? 10,
    method: start.method ?? 'put',
    uploadRef: null,
    expiresAt: new Date(Date.now() + (start.expired ? -1 : 1) * 600_000),
  }
}

describe.each(backends)('upload starts within quotas on $name', ({ url }) => {
  let db: Kysely<Database>
  beforeAll(async () => {
    db = createDb({ url: await url() })
    await migrateToLatest(db)
  })
  afterAll(() => db?.destroy())

  /** A fresh owner holding `held` (written directly, whatever the quotas say). */
  async function ownerHolding(held: Held[]): Promise<string> {
    const owner = `owner-${randomUUID()}`
    for (const h of held) {
      const doc = await insertPendingDocument(db, pendingRow(owner, h))
      if (h.status === 'uploaded') await transitionDocument(db, doc.id, { to: 'uploaded' })
    }
    return owner
  }

  async function start(owner: string, quotas: Quotas, s: Start): Promise<string | QuotaError> {
    try {
      return (await insertPendingDocumentWithin(db, pendingRow(owner, s), quotas)).status
    } catch (err) {
      if (err instanceof QuotaError) return err
      throw err
    }
  }

  // Each quota alone, at and around its limit: the SQL function admits exactly what core's
  // checkQuotas admits, and a refusal is core's message for that quota.
  const pending = (n: number, extra: Held = {}) => Array.from({ length: n }, () => ({ ...extra }))
  const cases: { quota: keyof Quotas; limit: number; held: Held[]; starts: Start[] }[] = [
    {
      quota: 'pendingUploads',
      limit: 3,
      held: [
        ...pending(2),
        ...pending(2, { expired: true }),
        ...pending(1, { status: 'uploaded' }),
      ],
      starts: [{}, { method: 'tus' }],
    },
    { quota: 'pendingUploads', limit: 3, held: pending(3), starts: [{}, { method: 'multipart' }] },
    { quota: 'pendingUploads', limit: 3, held: pending(4), starts: [{}] },
    {
      quota: 'unfinishedUploads',
      limit: 2,
      held: [...pending(1, { method: 'multipart' }), ...pending(3)],
      starts: [{ method: 'tus' }, { method: 'put' }],
    },
    {
      quota: 'unfinishedUploads',
      limit: 2,
      held: [...pending(1, { method: 'multipart' }), ...pending(1, { method: 'tus' })],
      starts: [{ method: 'tus' }, { method: 'multipart' }, { method: 'put' }, { method: 'post' }],
    },
    {
      quota: 'bytesInFlight',
      limit: 1000,
      held: [...pending(1, { size: 600 }), ...pending(1, { size: 5000, status: 'uploaded' })],
      starts: [{ size: 399 }, { size: 400 }, { size: 401 }],
    },
    {
      quota: 'storedBytesPerPurpose',
      limit: 1000,
      held: [
        ...pending(1, { size: 600, status: 'uploaded' }),
        ...pending(1, { size: 5000, purpose: 'document', status: 'uploaded' }),
        ...pending(1, { size: 5000 }),
      ],
      starts: [{ size: 399 }, { size: 400 }, { size: 401 }, { size: 401, purpose: 'document' }],
    },
  ]
  for (const c of cases) {
    for (const s of c.starts) {
      it(`admits exactly what checkQuotas admits: ${c.quota}=${c.limit}, ${c.held.length} held, start ${JSON.stringify(s)}`, async () => {
        const quotas = { ...OFF, [c.quota]: c.limit }
        const owner = await ownerHolding(c.held)
        const usage = await uploadUsage(db, owner, s.purpose ?? 'image')
        const upload = {
          size: s.size ?? 10,
          method: s.method ?? 'put',
          purpose: s.purpose ?? 'image',
        }
        let expected: string | QuotaError = 'pending'
        try {
          checkQuotas(quotas, usage, upload)
        } catch (err) {
          expected = err as QuotaError
        }
        const got = await start(owner, quotas, s)
        if (typeof expected === 'string') expect(got).toBe('pending')
        else {
          expect(got).toBeInstanceOf(QuotaError)
          expect([(got as QuotaError).quota, (got as QuotaError).message]).toEqual([
            c.quota,
            expected.message,
          ])
        }
      })
    }
  }

  it('admits exactly up to each counting quota among many concurrent starts by one user', async () => {
    const kinds: { quotas: Quotas; s: Start; admitted: number }[] = [
      { quotas: { ...OFF, pendingUploads: 3 }, s: {}, admitted: 3 },
      { quotas: { ...OFF, unfinishedUploads: 2 }, s: { method: 'multipart' }, admitted: 2 },
      { quotas: { ...OFF, bytesInFlight: 500 }, s: { size: 100 }, admitted: 5 },
      // Stored bytes grow at confirm, not at start: all or none pass.
      { quotas: { ...OFF, storedBytesPerPurpose: 500 }, s: { size: 100 }, admitted: 12 },
      { quotas: { ...OFF, storedBytesPerPurpose: 500 }, s: { size: 501 }, admitted: 0 },
    ]
    for (const k of kinds) {
      const owner = await ownerHolding([])
      const results = await Promise.all(
        Array.from({ length: 12 }, () => start(owner, k.quotas, k.s)),
      )
      expect(results.filter((r) => r === 'pending')).toHaveLength(k.admitted)
      expect(results.filter((r) => r instanceof QuotaError)).toHaveLength(12 - k.admitted)
      expect((await uploadUsage(db, owner, 'image')).pendingUploads).toBe(k.admitted)
    }
  })
})

describe('the per-owner quota lock', () => {
  let db: Kysely<Database>
  beforeAll(async () => {
    // Room for every racing start, the session holding a lock and the test's own queries.
    db = createDb({ url: await testDatabase(), maxConnections: 30 })
    await migrateToLatest(db)
  })
  afterAll(() => db?.destroy())

  const ungrantedLocks = async () =>
    (
      await sql<{ n: number }>`select count(*)::int as n from pg_locks where not granted`.execute(
        db,
      )
    ).rows[0]!.n
  const until = async (condition: () => Promise<boolean>) => {
    while (!(await condition())) await new Promise((r) => setImmediate(r))
  }

  it('admits exactly up to each counting quota when many starts by one user race', async () => {
    const kinds: { quotas: Quotas; s: Start; admitted: number }[] = [
      { quotas: { ...OFF, pendingUploads: 3 }, s: {}, admitted: 3 },
      { quotas: { ...OFF, unfinishedUploads: 2 }, s: { method: 'tus' }, admitted: 2 },
      { quotas: { ...OFF, bytesInFlight: 500 }, s: { size: 100 }, admitted: 5 },
    ]
    const n = 12
    for (const k of kinds) {
      const owner = `race-${randomUUID()}`
      const starts: Promise<string>[] = []
      // Another session holds back every insert into documents, so without the per-owner lock
      // all n starts would count the same usage before any of them inserts.
      await db.transaction().execute(async (trx) => {
        await sql`lock table documents in share mode`.execute(trx)
        for (let i = 0; i < n; i++) {
          starts.push(
            insertPendingDocumentWithin(db, pendingRow(owner, k.s), k.quotas).then(
              (d) => d.status,
              (err) => (err instanceof QuotaError ? err.quota : Promise.reject(err)),
            ),
          )
        }
        await until(async () => (await ungrantedLocks()) >= n)
      })
      const results = await Promise.all(starts)
      expect(results.filter((r) => r === 'pending')).toHaveLength(k.admitted)
      expect(results.filter((r) => r !== 'pending')).toEqual(
        Array(n - k.admitted).fill(Object.keys(k.quotas).find((q) => k.quotas[q as keyof Quotas])),
      )
    }
  })

  /** Runs `during` while another session holds `owner`'s quota lock. */
  async function whileLocked<T>(owner: string, during: () => Promise<T>): Promise<T> {
    return db.connection().execute(async (conn) => {
      const key = `uplink-quota:${owner}`
      await sql`select pg_advisory_lock(hashtextextended(${key}, 0))`.execute(conn)
      try {
        return await during()
      } finally {
        await sql`select pg_advisory_unlock(hashtextextended(${key}, 0))`.execute(conn)
      }
    })
  }

  it('is not taken when only UPLINK_QUOTA_STORED_BYTES_PER_PURPOSE is on', async () => {
    const owner = `stored-${randomUUID()}`
    const docs = await whileLocked(owner, () =>
      Promise.all(
        Array.from({ length: 5 }, () =>
          insertPendingDocumentWithin(db, pendingRow(owner), {
            ...OFF,
            storedBytesPerPurpose: 1000,
          }),
        ),
      ),
    )
    expect(docs.map((d) => d.status)).toEqual(Array(5).fill('pending'))
  })

  it('makes a start wait while a counting quota is on', async () => {
    const owner = `counted-${randomUUID()}`
    let started: Promise<unknown> | undefined
    await whileLocked(owner, async () => {
      started = insertPendingDocumentWithin(db, pendingRow(owner), { ...OFF, pendingUploads: 5 })
      await until(async () => (await ungrantedLocks()) > 0)
    })
    await expect(started).resolves.toMatchObject({ status: 'pending' })
  })
})
