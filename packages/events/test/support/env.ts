import type { Logger } from '@uplink/core'
import { createDb, type Database, migrateToLatest } from '@uplink/db'
import { createStorage, type Storage } from '@uplink/storage'
import { type S3Config, storageSettings, testDatabase, testServices } from '@uplink/testing'
import type { Kysely } from 'kysely'

export interface TestEnv {
  db: Kysely<Database>
  /** The fresh database's URL (for a second pool: another process). */
  databaseUrl: string
  storage: Storage
  log: Logger & { lines: { level: string; msg?: string; obj: object }[] }
  close(): Promise<void>
}

/** A fresh migrated database and a storage client on the test S3 (or on `s3`). */
export async function testEnv(
  options: { s3?: S3Config; migrate?: boolean } = {},
): Promise<TestEnv> {
  const s3 = options.s3 ?? testServices().s3
  const databaseUrl = await testDatabase()
  const db = createDb({ url: databaseUrl })
  if (options.migrate !== false) await migrateToLatest(db)
  const storage = createStorage(storageSettings(s3))
  const lines: { level: string; msg?: string; obj: object }[] = []
  const at = (level: string) => (obj: object, msg?: string) => {
    lines.push({ level, obj, ...(msg ? { msg } : {}) })
  }
  return {
    db,
    databaseUrl,
    storage,
    log: { info: at('info'), warn: at('warn'), error: at('error'), lines },
    async close() {
      await db.destroy()
      storage.destroy()
    },
  }
}
