import { execFile } from 'node:child_process'
import { openAsBlob } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { PGlite } from '@electric-sql/pglite'
import { type Kysely, sql } from 'kysely'
import { afterAll, describe, expect, inject, it } from 'vitest'
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

// Safety nets (the suite's 600 s): each PGlite start compiles WebAssembly, which took over
// 180 s at load 35.
describe('PGlite', { timeout: 600_000 }, () => {
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

  it('starts a process from a given data directory instead of running initdb (the run’s template)', async () => {
    // A fresh process (this one is seeded already), started from a template that holds a marker
    // table: its first in-memory instance shows the marker, so it loaded the template.
    const marked = await PGlite.create({
      loadDataDir: await openAsBlob(inject('pgliteTemplate'), { type: 'application/x-gzip' }),
    })
    await marked.exec('create table from_template (id int)')
    const dump = await marked.dumpDataDir('gzip')
    await marked.close()
    const dir = await mkdtemp(join(tmpdir(), 'uplink-pglite-seed-'))
    try {
      const file = join(dir, 'pgdata.tar.gz')
      await writeFile(file, Buffer.from(await dump.arrayBuffer()))
      const pglite = fileURLToPath(new URL('../src/pglite.ts', import.meta.url))
      const script = `
        import { openAsBlob } from 'node:fs'
        import { openPglite, startPgliteFrom } from ${JSON.stringify(pglite)}
        startPgliteFrom(openAsBlob(${JSON.stringify(file)}, { type: 'application/x-gzip' }))
        const db = await openPglite('memory', {})
        const { rows } = await db.query("select table_name from information_schema.tables where table_schema = 'public'")
        console.log(JSON.stringify(rows.map((r) => r.table_name)))
        await db.close()`
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['--experimental-strip-types', '--no-warnings', '--input-type=module', '-e', script],
        { cwd: dir },
      )
      expect(JSON.parse(stdout)).toEqual(['from_template'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
