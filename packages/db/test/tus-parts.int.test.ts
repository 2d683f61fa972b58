import { testDatabase } from '@uplink/testing'
import { type Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createDb,
  type Database,
  listTusParts,
  migrateToLatest,
  pinConnection,
  recordTusPart,
  tusPartsFromRows,
  tusPartsStatement,
} from '../src/index.ts'
import * as createTusParts from '../src/migrations/2026-11-29-0001-tus-parts.ts'
import * as addChecksum from '../src/migrations/2026-12-07-0020-tus-parts-checksum.ts'

// The part ledger across a rolling deploy: the release before CRC32 parts wrote `sha256` only
// and must keep working beside this one, so the checksum column is added, not renamed.
describe('tus part ledger across the checksum column change', () => {
  let db: Kysely<Database>

  beforeAll(async () => {
    db = createDb({ url: await testDatabase() })
    await createTusParts.up(db)
    // A part the previous release recorded before the migration runs.
    await sql`INSERT INTO tus_parts (upload_id, part_number, size, sha256, etag)
              VALUES ('before', 1, 5, 'c2hhMjU2LW9sZA==', '"e1"')`.execute(db)
    await addChecksum.up(db)
  })
  afterAll(() => db.destroy())

  it('keeps the parts recorded before the migration', async () => {
    const parts = await listTusParts(db, 'before')
    expect(parts.get(1)).toEqual({
      partNumber: 1,
      size: 5,
      checksum: 'c2hhMjU2LW9sZA==',
      etag: '"e1"',
    })
  })

  it('reads a part the previous release writes after the migration (sha256 only)', async () => {
    await sql`INSERT INTO tus_parts (upload_id, part_number, size, sha256, etag)
              VALUES ('during', 1, 7, 'c2hhMjU2LWR1cmluZw==', '"e2"')`.execute(db)
    expect((await listTusParts(db, 'during')).get(1)?.checksum).toBe('c2hhMjU2LWR1cmluZw==')
  })

  it('writes the checksum column and leaves the old one empty, which the old release never counts', async () => {
    await recordTusPart(db, 'after', { partNumber: 2, size: 9, checksum: 'AAAAAA==', etag: '"e3"' })
    await recordTusPart(db, 'during', {
      partNumber: 1,
      size: 7,
      checksum: 'BBBBBB==',
      etag: '"e4"',
    })
    const rows = await sql<{ uploadId: string; checksum: string | null; sha256: string | null }>`
      SELECT upload_id, checksum, sha256 FROM tus_parts WHERE upload_id IN ('after', 'during')
      ORDER BY upload_id`.execute(db)
    expect(rows.rows).toEqual([
      { uploadId: 'after', checksum: 'AAAAAA==', sha256: null },
      { uploadId: 'during', checksum: 'BBBBBB==', sha256: null },
    ])
  })
})

describe('tus part ledger read beside other statements (the tus lock session)', () => {
  let db: Kysely<Database>
  beforeAll(async () => {
    db = createDb({ url: await testDatabase() })
    await migrateToLatest(db)
  })
  afterAll(() => db.destroy())

  it('reads what listTusParts reads, old-release rows included, whatever the id holds', async () => {
    const id = "o'brien\\x/video/1"
    await recordTusPart(db, id, {
      partNumber: 1,
      size: 6 * 1024 ** 3,
      checksum: 'AA==',
      etag: '"a"',
    })
    await sql`INSERT INTO tus_parts (upload_id, part_number, size, sha256, etag)
              VALUES (${id}, 2, 7, 'b2xk', '"b"')`.execute(db)
    const session = await pinConnection(db)
    try {
      const [rows] = await session.queryAll(tusPartsStatement(id))
      expect(tusPartsFromRows(rows!)).toEqual(await listTusParts(db, id))
      expect(tusPartsFromRows(rows!).get(2)?.checksum).toBe('b2xk')
      const [none] = await session.queryAll(tusPartsStatement(`${id}' or '1'='1`))
      expect(none).toEqual([])
    } finally {
      session.release()
    }
  })
})
