import { randomUUID } from 'node:crypto'
import { testDatabase } from '@uplink/testing'
import { type Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createDb,
  type Database,
  DocumentTransitionError,
  findDocumentById,
  insertPendingDocument,
  migrateToLatest,
  transitionDocument,
} from '../src/index.ts'

function pendingRow(ownerId: string, id: string = randomUUID()) {
  return {
    id,
    ownerId,
    purpose: 'document',
    objectKey: `${ownerId}/document/${id}`,
    filename: 'a.pdf',
    contentType: 'application/pdf',
    sizeBytes: 1000,
    method: 'tus' as const,
    uploadRef: 'ref',
    expiresAt: new Date(Date.now() + 600_000),
  }
}

/** What a finish and a content check write (the hot transitions). */
const uploadedSet = () => ({ sizeBytes: 1000, confirmedAt: new Date('2026-01-02T03:04:05Z') })
const readySet = { sha256: 'a'.repeat(64), scanNote: 'clean' }

describe('documents statements on a Postgres pool', () => {
  let db: Kysely<Database>

  beforeAll(async () => {
    // One connection: what one statement prepared, the next sees in pg_prepared_statements.
    db = createDb({ url: await testDatabase(), maxConnections: 1 })
    await migrateToLatest(db)
  })
  afterAll(() => db?.destroy())

  it('the finish’s transition and read are prepared by Postgres once per connection, not compiled each time', async () => {
    const doc = await insertPendingDocument(db, pendingRow(randomUUID()))
    await transitionDocument(db, doc.id, { to: 'uploaded', from: ['pending'], set: uploadedSet() })
    await findDocumentById(db, doc.id)
    const { rows } = await sql<{ statement: string }>`
      select statement from pg_prepared_statements where name like 'uplink_documents_%'`.execute(db)
    const statements = rows.map((r) => r.statement).join('\n')
    expect(statements).toMatch(/^update documents set .* returning \*$/m)
    expect(statements).toMatch(/^select \* from documents where id = \$1$/m)
  })

  it('a prepared transition returns and stores what Kysely’s statement does (inside a transaction)', async () => {
    const owner = randomUUID()
    const viaPool = await insertPendingDocument(db, pendingRow(owner))
    const viaKysely = await insertPendingDocument(db, pendingRow(owner))
    const moved = async (d: Kysely<Database>, id: string) => {
      await transitionDocument(d, id, { to: 'uploaded', set: uploadedSet(), ownerId: owner })
      return transitionDocument(d, id, { to: 'ready', from: ['uploaded'], set: readySet })
    }
    const a = await moved(db, viaPool.id)
    const b = await db.transaction().execute((trx) => moved(trx, viaKysely.id))
    const same = (d: object | undefined) => {
      const { id, objectKey, createdAt, updatedAt, ...rest } = d as Record<string, unknown>
      expect(updatedAt).toBeInstanceOf(Date)
      return rest
    }
    expect(same(a)).toEqual(same(b))
    expect(same(a)).toMatchObject({
      status: 'ready',
      expiresAt: null,
      ...uploadedSet(),
      ...readySet,
    })
    expect(same(await findDocumentById(db, viaPool.id))).toEqual(same(a))
  })

  it('a prepared transition still moves only the owner’s row, and only as the state machine allows', async () => {
    const owner = randomUUID()
    const doc = await insertPendingDocument(db, pendingRow(owner))
    expect(
      await transitionDocument(db, doc.id, { to: 'uploaded', ownerId: randomUUID() }),
    ).toBeUndefined()
    expect((await findDocumentById(db, doc.id))?.status).toBe('pending')
    await expect(transitionDocument(db, doc.id, { to: 'ready' })).rejects.toBeInstanceOf(
      DocumentTransitionError,
    )
    expect(await findDocumentById(db, randomUUID())).toBeUndefined()
  })
})
