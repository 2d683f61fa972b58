import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { signDevToken } from '@uplink/api'
import { storageSettings } from '@uplink/launchers'
import pretty from 'pino-pretty'
import { startEmbeddedS3 } from './dev/embedded-s3.ts'
import { withDevGalleryKeys } from './dev/gallery-keys.ts'
import { dataDir, devJwtSecret } from './dev/paths.ts'
import { ConfigError, loadConfig } from './env.ts'
import { createLogger } from './logger.ts'
import { devAuthRoute } from './routes/dev-auth.ts'
import { hasWebApp, storageOrigins, webAppRoute } from './routes/web-app.ts'
import { serve } from './serve.ts'
import { createServices, prepareToServe } from './services.ts'

/** `pnpm dev`: no configuration needed. Embedded PGlite + versitygw under .data/, a dev JWT secret. */
async function dev() {
  const loaded = loadConfig('development')
  // The Vite dev server (apps/web) PUTs/POSTs straight to the bucket: let it, unless configured.
  const withOrigins = loaded.webOrigins.length
    ? loaded
    : { ...loaded, webOrigins: ['http://localhost:5173', 'http://127.0.0.1:5173'] }
  // Readable lines in the terminal; production (main.ts) writes JSON.
  const log = createLogger(
    withOrigins.logLevel,
    pretty({ colorize: true, ignore: 'pid,hostname', translateTime: 'SYS:HH:MM:ss.l' }),
  )
  const config = withDevGalleryKeys(withOrigins, log)
  const databaseUrl = config.databaseUrl ?? `pglite:${join(dataDir, 'pglite')}`
  const embedded = config.s3 ? undefined : await startEmbeddedS3()
  const s3 = config.s3 ?? storageSettings(embedded!)
  const jwtSecret = config.auth.jwtSecret ?? (config.auth.jwksUrl ? undefined : devJwtSecret())
  try {
    const services = createServices(config, { databaseUrl, s3, jwtSecret }, log)
    await prepareToServe(services)
    const webDist = resolve(dirname(fileURLToPath(import.meta.url)), '../../web/dist')
    const extraRoutes = [
      ...(services.extraRoutes ?? []),
      ...(jwtSecret ? [devAuthRoute({ jwtSecret })] : []),
      ...(hasWebApp(webDist)
        ? [webAppRoute(webDist, { storageOrigins: storageOrigins(s3), cdnUrl: config.cdn.url })]
        : []),
    ]
    await serve(
      { ...services, extraRoutes },
      {
        host: config.host,
        port: config.port,
        log,
        idleTimeoutSeconds: config.idleTimeoutSeconds,
        onClose: () => embedded?.stop() ?? Promise.resolve(),
      },
    )
  } catch (err) {
    await embedded?.stop()
    throw err
  }

  const base = `http://${config.host}:${config.port}`
  const token = jwtSecret ? await signDevToken(jwtSecret, 'dev-user') : '<token from your IdP>'
  console.log(`
Uplink (development) at ${base}
  database: ${databaseUrl.startsWith('pglite:') ? 'embedded PGlite' : 'Postgres'}   S3: ${s3.endpoint}
Dev token for user "dev-user" (another user: pnpm run token <userId>); the examples in docs/ read both:
  export UPLINK_URL=${base} UPLINK_TOKEN=${token}
Try it:
  curl -s -X POST ${base}/trpc/uploads.presignPut -H "Authorization: Bearer $UPLINK_TOKEN" \\
    -H 'Content-Type: application/json' \\
    -d '{"purpose":"document","filename":"hello.pdf","contentType":"application/pdf","size":12}'
`)
}

dev().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err)
  process.exit(1)
})
