import { join } from 'node:path'
import { createDb, migrateToLatest } from '@uplink/db'
import { counts, reconcile } from '@uplink/events'
import { storageSettings } from '@uplink/launchers'
import { createStorage } from '@uplink/storage'
import { startEmbeddedS3 } from '../dev/embedded-s3.ts'
import { dataDir } from '../dev/paths.ts'
import { loadConfig } from '../env.ts'
import { createLogger } from '../logger.ts'

/**
 * `pnpm --filter @uplink/server reconcile [--dry-run]`: one reconciliation run against
 * DATABASE_URL and S3_* (or the dev PGlite and embedded S3; stop `pnpm dev` first, PGlite is
 * single-process). Prints what it changed, or with --dry-run what it would change.
 */
const dryRun = process.argv.includes('--dry-run')
const config = loadConfig('development')
const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel)
const embedded = config.s3 ? undefined : await startEmbeddedS3()
const s3 = config.s3 ?? storageSettings(embedded!)
const db = createDb({ url: config.databaseUrl ?? `pglite:${join(dataDir, 'pglite')}` })
const storage = createStorage(s3)
try {
  await migrateToLatest(db)
  const summary = await reconcile(
    { db, storage, policies: config.policies, log },
    {
      dryRun,
      orphanGraceMs: config.events.orphanGraceMs,
      multipartMaxAgeMs: config.events.multipartMaxAgeMs,
    },
  )
  if (summary.skipped) {
    console.log('another reconciliation is running; nothing done')
  } else {
    const verb = dryRun ? 'would' : ''
    const lines: [string, string[]][] = [
      [`${verb} confirm (pending → uploaded)`, summary.confirmed],
      [`${verb} reject`, summary.rejected],
      [`${verb} expire`, summary.expired],
      [`${verb} abort multipart upload`, summary.multipartAborted],
      [`${verb} delete orphan object`, summary.orphansDeleted],
    ]
    for (const [what, items] of lines) {
      console.log(`${what.trim()}: ${items.length}`)
      for (const item of items) console.log(`  ${item}`)
    }
    if (!dryRun) console.log(`content checks queued: ${summary.checksQueued}`)
    log.info({ reconcile: counts(summary), dryRun }, 'reconciled')
  }
} finally {
  await db.destroy()
  storage.destroy()
  await embedded?.stop()
}
