import { type Kysely, sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { createDb, type Database, insertPendingDocument, migrateToLatest } from '../src/index.ts'

const opened: Kysely<Database>[] = []
const open = (url: string) => {
  const db = createDb({ url })
  opened.push(db)
  return db
}
afterAll(async () => {
  await Promise.all(opened.map((db) => db.destroy()))
})

const tables = async (db: Kysely<Database>) =>
  (
    await sql<{ name: string }>`select table_name as name from information_schema.tables
      where table_schema = 'public'`.execute(db)
  ).rows.map((r) => r.name)

function pendingRow(ownerId: string) {
  const id = crypto.randomUUID()
  return {
    id,
    ownerId,
    purpose: 'document',
    objectKey: `${ownerId}/document/${id}`,
    filename: 'a.pdf',
    contentType: 'application/pdf',
    sizeBytes: 2 ** 40,
    method: 'put' as const,
    uploadRef: null,
    expiresAt: new Date(Date.now() + 600_000),
  }
}

// Safety nets: each PGlite start compiles WebAssembly, slow on a busy machine.
describe('PGlite', { timeout: 180_000 }, () => {
  it('starts every in-memory instance of a process empty, whatever the ones before it hold', async () => {
    // Two start at once (Kysely opens PGlite at the first query); a third once the first holds a row.
    const [first, twin] = [open('pglite:memory'), open('pglite:memory')]
    expect(await Promise.all([tables(first), tables(twin)])).toEqual([[], []])
    await migrateToLatest(first)
    const doc = await insertPendingDocument(first, pendingRow('alice'))
    expect(doc.sizeBytes).toBe(2 ** 40)
    expect(await tables(twin)).toEqual([])

    const later = open('pglite:memory')
    expect(await tables(later)).toEqual([])
    await migrateToLatest(later)
    expect(await later.selectFrom('documents').selectAll().execute()).toEqual([])
    const own = await insertPendingDocument(later, pendingRow('bob'))
    expect(own.sizeBytes).toBe(2 ** 40)
    const owners = await first.selectFrom('documents').select('ownerId').execute()
    expect(owners.map((r) => r.ownerId)).toEqual(['alice'])
  })
})
