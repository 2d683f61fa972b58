import { ConfigError, loadConfig } from '../env.ts'
import { createLogger } from '../logger.ts'
import { createServices } from '../services.ts'

/**
 * `pnpm --filter @uplink/server cleanup`: removes expired unfinished tus uploads from S3 and
 * marks their documents `expired`. Needs DATABASE_URL and S3_* (the dev server can run the same
 * sweep itself: UPLINK_CLEANUP_INTERVAL_MINUTES).
 */
async function cleanup() {
  const config = loadConfig('development')
  if (!config.databaseUrl || !config.s3) {
    throw new ConfigError(
      'cleanup needs DATABASE_URL and S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY',
    )
  }
  const log = createLogger(config.logLevel)
  // Only what the sweep needs: no worker, no bucket set-up, no rate limit, no timers.
  const services = createServices(
    config,
    {
      databaseUrl: config.databaseUrl,
      s3: config.s3,
      jwtSecret: config.auth.jwtSecret ?? 'unused-by-cleanup-0000000000000000',
    },
    log,
  )
  try {
    await services.migrate()
    const result = await services.tusServer.cleanupExpired()
    console.log(JSON.stringify(result))
  } finally {
    await services.close()
  }
}

cleanup().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err)
  process.exit(1)
})
