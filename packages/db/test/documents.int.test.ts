import { createHash, randomUUID } from 'node:crypto'
import { testDatabase } from '@uplink/testing'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createDb,
  type Database,
  DocumentTransitionError,
  declareSha256,
  documentByKeyStatement,
  documentFromRow,
  findDocumentByKey,
  findDocumentForOwner,
  InvalidCursorError,
  insertPendingDocument,
  listDocumentsForOwner,
  migrateToLatest,
  pinConnection,
  transitionDocument,
} from '../src/index.ts'

const backends = [
  { name: 'Postgres', url: () => testDatabase() },
  { name: 'PGlite', url: async () => 'pglite:memory' },
]

describe.each(backends)('documents repository on $name', ({ url }) => {
  let db: Kysely<Database>

  beforeAll(async () => {
    db = createDb({ url: await url() })
    await migrateToLatest(db)
  })
  afterAll(() => db?.destroy())

  function newDoc(ownerId: string, declaredSha256?: string) {
    const id = randomUUID()
    return insertPendingDocument(db, {
      id,
      ownerId,
      purpose: 'document',
      objectKey: `${ownerId}/document/${id}`,
      filename: 'a.pdf',
      contentType: 'application/pdf',
      sizeBytes: 6 * 1024 ** 3,
      method: 'put',
      uploadRef: null,
      expiresAt: new Date(Date.now() + 600_000),
      ...(declaredSha256 ? { declaredSha256 } : {}),
    })
  }

  it('creates a pending row and reads bigint sizes back as numbers', async () => {
    const doc = await newDoc('alice')
    expect(doc.status).toBe('pending')
    expect(doc.sizeBytes).toBe(6 * 1024 ** 3)
    expect(doc.createdAt).toBeInstanceOf(Date)
  })

  it('stores a declared SHA-256 and leaves the verified one empty until it is set', async () => {
    const declared = createHash('sha256').update('declared bytes').digest('base64')
    const doc = await newDoc('alice', declared)
    expect(doc.declaredSha256).toBe(declared)
    expect(doc.sha256).toBeNull()
    expect((await newDoc('alice')).declaredSha256).toBeNull()

    await transitionDocument(db, doc.id, { to: 'uploaded' })
    const ready = await transitionDocument(db, doc.id, { to: 'ready', set: { sha256: declared } })
    expect(ready?.sha256).toBe(declared)
    expect((await findDocumentForOwner(db, doc.id, 'alice'))?.sha256).toBe(declared)
  })

  it('records a SHA-256 declared after creation only on a pending row that has none', async () => {
    const digest = (s: string) => createHash('sha256').update(s).digest('base64')
    const doc = await newDoc('alice')
    expect((await declareSha256(db, doc.id, digest('a')))?.declaredSha256).toBe(digest('a'))
    // Declared already (here or at creation): nothing changes.
    expect(await declareSha256(db, doc.id, digest('b'))).toBeUndefined()
    const atCreation = await newDoc('alice', digest('c'))
    expect(await declareSha256(db, atCreation.id, digest('d'))).toBeUndefined()
    // No longer pending: too late to declare.
    const uploaded = await newDoc('alice')
    await transitionDocument(db, uploaded.id, { to: 'uploaded' })
    expect(await declareSha256(db, uploaded.id, digest('e'))).toBeUndefined()
    const rows = await Promise.all(
      [doc, atCreation, uploaded].map((d) => findDocumentForOwner(db, d.id, 'alice')),
    )
    expect(rows.map((r) => r?.declaredSha256)).toEqual([digest('a'), digest('c'), null])
  })

  it("answers undefined for someone else's document, exactly like a missing one", async () => {
    const doc = await newDoc('alice')
    expect(await findDocumentForOwner(db, doc.id, 'bob')).toBeUndefined()
    expect(await findDocumentForOwner(db, randomUUID(), 'alice')).toBeUndefined()
    expect((await findDocumentForOwner(db, doc.id, 'alice'))?.id).toBe(doc.id)
  })

  it('moves pending → uploaded and clears the pending expiry', async () => {
    const doc = await newDoc('alice')
    const now = new Date()
    const updated = await transitionDocument(db, doc.id, {
      to: 'uploaded',
      set: { confirmedAt: now },
    })
    expect(updated?.status).toBe('uploaded')
    expect(updated?.expiresAt).toBeNull()
    expect(updated?.confirmedAt?.getTime()).toBe(now.getTime())
  })

  it('refuses a transition the state machine does not allow and writes nothing', async () => {
    const doc = await newDoc('alice')
    await transitionDocument(db, doc.id, { to: 'deleted' })
    await expect(transitionDocument(db, doc.id, { to: 'uploaded' })).rejects.toBeInstanceOf(
      DocumentTransitionError,
    )
    expect((await findDocumentForOwner(db, doc.id, 'alice'))?.status).toBe('deleted')
  })

  it('does not move another owner’s document', async () => {
    const doc = await newDoc('alice')
    expect(await transitionDocument(db, doc.id, { to: 'deleted', ownerId: 'bob' })).toBeUndefined()
    expect((await findDocumentForOwner(db, doc.id, 'alice'))?.status).toBe('pending')
  })

  it('lists an owner’s documents newest first across pages, without deleted ones', async () => {
    const owner = `owner-${randomUUID()}`
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await newDoc(owner)).id)
    await transitionDocument(db, ids[0]!, { to: 'deleted' })
    await newDoc('someone-else')

    const seen: string[] = []
    let cursor: string | null = null
    do {
      const page = await listDocumentsForOwner(db, owner, { cursor, limit: 2 })
      seen.push(...page.items.map((d) => d.id))
      cursor = page.nextCursor
    } while (cursor)
    expect(seen).toHaveLength(4)
    expect(new Set(seen)).toEqual(new Set(ids.slice(1)))
  })

  it('rejects a cursor it did not issue', async () => {
    await expect(
      listDocumentsForOwner(db, 'alice', { cursor: 'garbage', limit: 2 }),
    ).rejects.toBeInstanceOf(InvalidCursorError)
  })
})

describe('a document read beside other statements (the tus lock session)', () => {
  let db: Kysely<Database>
  beforeAll(async () => {
    db = createDb({ url: await testDatabase() })
    await migrateToLatest(db)
  })
  afterAll(() => db?.destroy())

  it('reads the same row as findDocumentByKey, in one round trip with the statement before it, whatever the key holds', async () => {
    const id = randomUUID()
    // A quote and a backslash: the key is a literal in the statement, never SQL.
    const objectKey = `o'brien\\x/document/${id}`
    await insertPendingDocument(db, {
      id,
      ownerId: "o'brien",
      purpose: 'document',
      objectKey,
      filename: 'a.pdf',
      contentType: 'application/pdf',
      sizeBytes: 6 * 1024 ** 3,
      method: 'tus',
      uploadRef: objectKey,
      expiresAt: new Date(Date.now() + 600_000),
      declaredSha256: 'c2hh',
    })
    const session = await pinConnection(db)
    try {
      const [first, rows] = await session.queryAll(
        `select 1 as one;\n${documentByKeyStatement(objectKey)}`,
      )
      expect(first).toEqual([{ one: 1 }])
      expect(rows).toHaveLength(1)
      const read = documentFromRow(rows![0] as Record<string, unknown>)
      expect(read).toEqual(await findDocumentByKey(db, objectKey))
      expect(read.sizeBytes).toBe(6 * 1024 ** 3)
      const [none] = await session.queryAll(documentByKeyStatement(`${objectKey}' or '1'='1`))
      expect(none).toEqual([])
    } finally {
      session.release()
    }
  })
})
