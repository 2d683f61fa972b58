import { ConfigError, loadConfig } from './env.ts'
import { createLogger } from './logger.ts'
import { serve } from './serve.ts'
import { createServices } from './services.ts'

/** Production entry (`pnpm start`): real Postgres, real S3, real auth — all from the environment. */
async function main() {
  const config = loadConfig('production')
  const log = createLogger(config.logLevel)
  if (!config.databaseUrl || !config.s3) throw new ConfigError('DATABASE_URL and S3_* are required')
  const services = await createServices(
    config,
    { databaseUrl: config.databaseUrl, s3: config.s3 },
    log,
  )
  await serve(services, { host: config.host, port: config.port, log })
  log.info({ port: config.port, host: config.host }, 'uplink listening')
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err)
  process.exit(1)
})
