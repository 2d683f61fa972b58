import { randomUUID } from 'node:crypto'
import { testDatabase } from '@uplink/testing'
import type { Kysely } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createDb,
  type Database,
  type DocumentSort,
  InvalidCursorError,
  insertPendingDocument,
  type ListDocumentsOptions,
  listDocumentsForOwner,
  migrateToLatest,
  transitionDocument,
} from '../src/index.ts'

const backends = [
  { name: 'Postgres', url: () => testDatabase() },
  { name: 'PGlite', url: async () => 'pglite:memory' },
]

describe.each(backends)('My documents listing on $name', ({ url }) => {
  let db: Kysely<Database>
  const owner = `owner-${randomUUID()}`
  // Names and sizes with ties, mixed case and LIKE wildcards, so every keyset edge is crossed.
  const specs = [
    ['b.pdf', 300],
    ['A.pdf', 100],
    ['report 100%.pdf', 300],
    ['a.pdf', 200],
    ['report_1.pdf', 100],
    ['Report.pdf', 300],
    ['c.pdf', 300],
  ] as const

  beforeAll(async () => {
    db = createDb({ url: await url() })
    await migrateToLatest(db)
    for (const [filename, sizeBytes] of specs) {
      const id = randomUUID()
      await insertPendingDocument(db, {
        id,
        ownerId: owner,
        purpose: 'document',
        objectKey: `${owner}/document/${id}`,
        filename,
        contentType: 'application/pdf',
        sizeBytes,
        method: 'put',
        uploadRef: null,
        expiresAt: new Date(Date.now() + 600_000),
      })
    }
    const all = await listAll({ sort: 'newest' })
    await transitionDocument(db, all.find((d) => d.filename === 'c.pdf')!.id, { to: 'uploaded' })
    await transitionDocument(db, all.find((d) => d.filename === 'b.pdf')!.id, { to: 'deleted' })
  })
  afterAll(() => db?.destroy())

  /** Every page, two at a time. */
  async function listAll(options: Omit<ListDocumentsOptions, 'limit' | 'cursor'>) {
    const seen = []
    let cursor: string | null = null
    do {
      const page = await listDocumentsForOwner(db, owner, { ...options, cursor, limit: 2 })
      seen.push(...page.items)
      cursor = page.nextCursor
    } while (cursor)
    return seen
  }

  it('pages through every sort with each document exactly once, in order', async () => {
    const expected: Record<DocumentSort, (a: Row, b: Row) => number> = {
      newest: (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || cmp(b.id, a.id),
      oldest: (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || cmp(a.id, b.id),
      name: (a, b) => cmp(a.filename.toLowerCase(), b.filename.toLowerCase()) || cmp(a.id, b.id),
      size: (a, b) => b.sizeBytes - a.sizeBytes || cmp(b.id, a.id),
    }
    for (const sort of Object.keys(expected) as DocumentSort[]) {
      const rows = await listAll({ sort })
      expect(rows, sort).toHaveLength(specs.length - 1)
      expect(new Set(rows.map((r) => r.id)).size, sort).toBe(rows.length)
      expect(
        rows.map((r) => r.id),
        sort,
      ).toEqual([...rows].sort(expected[sort]).map((r) => r.id))
      expect(rows.map((r) => r.filename)).not.toContain('b.pdf')
    }
  })

  it('searches names case-insensitively, with % and _ matching only themselves', async () => {
    const names = async (search: string) =>
      (await listAll({ sort: 'name', search })).map((r) => r.filename)
    expect(await names('REPORT')).toEqual(['report 100%.pdf', 'Report.pdf', 'report_1.pdf'])
    expect(await names('100%')).toEqual(['report 100%.pdf'])
    expect(await names('_')).toEqual(['report_1.pdf'])
    expect((await names('  a.pdf ')).sort()).toEqual(['A.pdf', 'a.pdf'])
    expect(await names('nothing like it')).toEqual([])
  })

  it('filters by status, combined with search and sort', async () => {
    expect((await listAll({ sort: 'size', status: 'uploaded' })).map((r) => r.filename)).toEqual([
      'c.pdf',
    ])
    expect(await listAll({ sort: 'name', status: 'uploaded', search: 'report' })).toEqual([])
    expect((await listAll({ sort: 'oldest', status: 'pending' })).length).toBe(specs.length - 2)
  })

  it('refuses a cursor from another sort, and one it did not issue, with what to do', async () => {
    const page = await listDocumentsForOwner(db, owner, { sort: 'name', limit: 1 })
    await expect(
      listDocumentsForOwner(db, owner, { sort: 'size', limit: 1, cursor: page.nextCursor }),
    ).rejects.toThrow(/continues the "name" order, not "size"; omit the cursor/)
    const forged = Buffer.from(JSON.stringify(['size', 'big', randomUUID()])).toString('base64url')
    await expect(
      listDocumentsForOwner(db, owner, { sort: 'size', limit: 1, cursor: forged }),
    ).rejects.toBeInstanceOf(InvalidCursorError)
  })
})

type Row = Awaited<ReturnType<typeof listDocumentsForOwner>>['items'][number]
const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)
