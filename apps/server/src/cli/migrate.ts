import { join } from 'node:path'
import { createDb, migrateToLatest } from '@uplink/db'
import { dataDir } from '../dev/paths.ts'
import { loadConfig } from '../env.ts'

/** `pnpm db:migrate`: applies pending migrations to DATABASE_URL (or the dev PGlite). */
const config = loadConfig('development')
const db = createDb({ url: config.databaseUrl ?? `pglite:${join(dataDir, 'pglite')}` })
try {
  const applied = await migrateToLatest(db)
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date')
} finally {
  await db.destroy()
}
