import { createDb, migrateToLatest } from '@uplink/db'
import { createEventsRuntime } from '@uplink/events'
import { createStorage } from '@uplink/storage'
import { withRequestId } from '../correlation.ts'
import { ConfigError, loadConfig } from '../env.ts'
import { createLogger } from '../logger.ts'

/**
 * `pnpm --filter @uplink/server worker`: the job worker, the SQS consumer and the reconcile
 * interval in a process of their own, for scaling out (set UPLINK_WORKER=false on the web
 * servers then). Needs Postgres: an embedded PGlite belongs to one process.
 */
async function worker() {
  const config = loadConfig('development')
  const log = createLogger(config.logLevel)
  if (!config.databaseUrl?.startsWith('postgres') || !config.s3) {
    throw new ConfigError(
      'the worker needs DATABASE_URL=postgres://… and S3_* (see docs/configuration.md)',
    )
  }
  const db = createDb({
    url: config.databaseUrl,
    maxConnections: config.databasePoolSize,
    onIdleError: (err) => log.warn({ err }, 'a Postgres connection failed; reconnecting on demand'),
  })
  const storage = createStorage(config.s3)
  await migrateToLatest(db)
  const events = createEventsRuntime(
    {
      db,
      storage,
      policies: config.policies,
      log,
      aroundJob: (job, run) => withRequestId(`job-${job.id}`, run),
    },
    { ...config.events, worker: true },
  )
  events.start()
  log.info(
    { sqs: Boolean(config.events.sqs), clamd: Boolean(config.events.clamd) },
    'uplink worker running',
  )
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'worker shutting down')
    await events.close()
    await db.destroy()
    storage.destroy()
    process.exit(0)
  }
  process.once('SIGINT', () => void shutdown('SIGINT'))
  process.once('SIGTERM', () => void shutdown('SIGTERM'))
}

worker().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err)
  process.exit(1)
})
