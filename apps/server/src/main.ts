import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { forkWorkers } from './cluster.ts'
import { ConfigError, loadConfig } from './env.ts'
import { createLogger } from './logger.ts'
import { hasWebApp, storageOrigins, webAppRoute } from './routes/web-app.ts'
import { serve } from './serve.ts'
import { createServices, prepareToServe } from './services.ts'

/** Production entry (`pnpm start`): real Postgres, real S3, real auth — all from the environment. */
async function main() {
  const config = loadConfig('production')
  const log = createLogger(config.logLevel)
  if (!config.databaseUrl || !config.s3) throw new ConfigError('DATABASE_URL and S3_* are required')
  if ((await forkWorkers(config.processes, log)) === 'primary') return
  const services = createServices(config, { databaseUrl: config.databaseUrl, s3: config.s3 }, log)
  await prepareToServe(services)
  // The built web app (apps/web/dist), two levels up from src/main.ts and from dist/main.js.
  const webDist = resolve(dirname(fileURLToPath(import.meta.url)), '../../web/dist')
  const webApp = hasWebApp(webDist)
    ? [webAppRoute(webDist, { storageOrigins: storageOrigins(config.s3), cdnUrl: config.cdn.url })]
    : []
  const extraRoutes = [...(services.extraRoutes ?? []), ...webApp]
  if (!webApp.length) log.warn({ webDist }, 'no built web app: run pnpm build to serve it')
  await serve(
    { ...services, extraRoutes },
    {
      host: config.host,
      port: config.port,
      log,
      idleTimeoutSeconds: config.idleTimeoutSeconds,
      metricsPort: config.metrics.port,
      drainDelaySeconds: config.drain.delaySeconds,
      drainTimeoutSeconds: config.drain.timeoutSeconds,
    },
  )
  log.info({ port: config.port, host: config.host }, 'uplink listening')
}

main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err)
  process.exit(1)
})
