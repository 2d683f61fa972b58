import { randomUUID } from 'node:crypto'
import { testDatabase } from '@uplink/testing'
import { type Kysely, type KyselyPlugin, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDb, type Database, insertPendingDocument, migrateToLatest } from '../src/index.ts'

const backends = [
  { name: 'Postgres', url: () => testDatabase() },
  { name: 'PGlite', url: async () => 'pglite:memory' },
]

/** Counts the INSERT statements a Kysely instance sends. */
function insertCounter(): KyselyPlugin & { inserts: number } {
  return {
    inserts: 0,
    transformQuery(args) {
      if (args.node.kind === 'InsertQueryNode') this.inserts++
      return args.node
    },
    transformResult: async (args) => args.result,
  }
}

function pendingRow(ownerId: string, id: string = randomUUID()) {
  return {
    id,
    ownerId,
    purpose: 'document',
    objectKey: `${ownerId}/document/${id}`,
    filename: 'a.pdf',
    contentType: 'application/pdf',
    sizeBytes: 1000,
    method: 'put' as const,
    uploadRef: null,
    expiresAt: new Date(Date.now() + 600_000),
  }
}

describe.each(backends)('pending inserts on $name', ({ url }) => {
  let base: Kysely<Database>

  beforeAll(async () => {
    base = createDb({ url: await url() })
    await migrateToLatest(base)
  })
  afterAll(() => base?.destroy())

  it('50 concurrent upload starts share INSERT statements, each caller getting its own row', async () => {
    const counter = insertCounter()
    const db = base.withPlugin(counter)
    // Every other row declares a SHA-256: rows of one statement need not name the same columns.
    const sha = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg='
    const rows = Array.from({ length: 50 }, (_, i) => ({
      ...pendingRow(`batch-owner-${i}`),
      ...(i % 2 ? { declaredSha256: sha } : {}),
    }))
    const docs = await Promise.all(rows.map((row) => insertPendingDocument(db, row)))
    expect(docs.map((d) => [d.id, d.ownerId, d.status, d.declaredSha256])).toEqual(
      rows.map((r, i) => [r.id, r.ownerId, 'pending', i % 2 ? sha : null]),
    )
    // One statement per row was the old cost: a round trip and a commit each.
    expect(counter.inserts).toBeLessThan(rows.length / 2)
  })

  it('upload starts begun in the same turn of the event loop share one INSERT', async () => {
    const counter = insertCounter()
    const db = base.withPlugin(counter)
    const rows = Array.from({ length: 20 }, (_, i) => pendingRow(`turn-owner-${i}`))
    const docs = await Promise.all(rows.map((row) => insertPendingDocument(db, row)))
    expect(docs.map((d) => d.id)).toEqual(rows.map((r) => r.id))
    // Before, the first four went alone (every statement slot free) and only the rest shared.
    expect(counter.inserts).toBe(1)
  })

  it('a row that cannot be inserted fails only its own caller, not the rows sent with it', async () => {
    const db = base.withPlugin(insertCounter())
    const taken = await insertPendingDocument(db, pendingRow('batch-dup'))
    // All of them go in one statement, which fails; then each alone.
    const rows = [
      ...['a', 'b', 'c', 'd', 'e', 'f'].map((o) => pendingRow(`batch-${o}`)),
      pendingRow('batch-dup', taken.id),
      pendingRow('batch-g'),
    ]
    const results = await Promise.allSettled(rows.map((row) => insertPendingDocument(db, row)))
    expect(results.map((r) => r.status)).toEqual([
      ...Array(6).fill('fulfilled'),
      'rejected',
      'fulfilled',
    ])
    const ids = await base
      .selectFrom('documents')
      .select('id')
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .execute()
    // The five new rows and the one that was already there.
    expect(ids).toHaveLength(rows.length)
  })

  it('an insert inside a transaction stays on that transaction', async () => {
    const row = pendingRow('batch-tx')
    await base
      .transaction()
      .execute(async (trx) => {
        await insertPendingDocument(trx, row)
        throw new Error('roll back')
      })
      .catch(() => undefined)
    const found = await base.selectFrom('documents').select('id').where('id', '=', row.id).execute()
    expect(found).toEqual([])
  })
})

describe('pending inserts on Postgres as a prepared statement', () => {
  let db: Kysely<Database>

  beforeAll(async () => {
    // One connection, so the session that prepared the statement is the one asked about it.
    db = createDb({ url: await testDatabase(), maxConnections: 1 })
    await migrateToLatest(db)
  })
  afterAll(() => db?.destroy())

  it('Postgres parses the pending insert once per connection, as a named statement', async () => {
    for (const owner of ['prep-a', 'prep-b', 'prep-c']) {
      await insertPendingDocument(db, pendingRow(owner))
    }
    const { rows } = await sql<{
      statement: string
    }>`select statement from pg_prepared_statements where statement ilike 'insert into documents%'`.execute(
      db,
    )
    expect(rows).toHaveLength(1)
  })

  it('returns the row as stored, the same Document a read gives', async () => {
    const sha = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg='
    const rows = [
      pendingRow('prep-same-a'),
      { ...pendingRow('prep-same-b'), declaredSha256: sha },
      { ...pendingRow('prep-same-c'), uploadRef: 'tus-id-1' },
    ]
    const docs = await Promise.all(rows.map((row) => insertPendingDocument(db, row)))
    for (const doc of docs) {
      const read = await db
        .selectFrom('documents')
        .selectAll()
        .where('id', '=', doc.id)
        .executeTakeFirstOrThrow()
      expect(doc).toEqual(read)
    }
    expect(docs.map((d) => [d.status, d.sizeBytes, d.declaredSha256, d.uploadRef])).toEqual([
      ['pending', 1000, null, null],
      ['pending', 1000, sha, null],
      ['pending', 1000, null, 'tus-id-1'],
    ])
  })

  it('a duplicate row sent with others fails only its own caller', async () => {
    const taken = await insertPendingDocument(db, pendingRow('prep-dup'))
    const rows = [
      ...['a', 'b', 'c', 'd', 'e', 'f'].map((o) => pendingRow(`prep-${o}`)),
      pendingRow('prep-dup', taken.id),
      pendingRow('prep-g'),
    ]
    const results = await Promise.allSettled(rows.map((row) => insertPendingDocument(db, row)))
    expect(results.map((r) => r.status)).toEqual([
      ...Array(6).fill('fulfilled'),
      'rejected',
      'fulfilled',
    ])
  })
})
