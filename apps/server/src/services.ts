import { createAuthenticate } from '@uplink/api'
import { createDb, findDocumentById, migrateToLatest } from '@uplink/db'
import { createEventsRuntime, type EventsRuntime } from '@uplink/events'
import { createStorage } from '@uplink/storage'
import { createTusServer, type TusServer } from '@uplink/tus'
import { createClamavScanner, parseClamdAddress } from '@uplink/uploads'
import type { Logger } from 'pino'
import type { AppDeps } from './app.ts'
import { withRequestId } from './correlation.ts'
import type { Config } from './env.ts'
import { createMetrics, type Metrics } from './metrics/registry.ts'
import { metricsRoute } from './metrics/route.ts'
import { instrumentS3Client } from './metrics/s3.ts'
import { instrumentTus } from './metrics/tus.ts'
import { type ClosableRateLimit, createUploadRateLimit } from './rate-limit.ts'
import { s3EventsRoute } from './routes/s3-events.ts'

export interface S3Settings {
  endpoint: string | undefined
  region: string
  bucket: string
  credentials: { accessKeyId: string; secretAccessKey: string }
  forcePathStyle: boolean
}

export interface Services extends AppDeps {
  tusServer: TusServer
  /** S3 events, job worker, content checks and reconciliation. */
  events: EventsRuntime
  /** The process's Prometheus registry and hooks (served per `config.metrics`). */
  metrics: Metrics
  close(): Promise<void>
}

/**
 * Wires config into packages: one Kysely, one S3 client, one token check. Runs migrations.
 * `databaseUrl` and `s3` are passed separately so dev mode can supply embedded ones.
 */
export async function createServices(
  config: Config,
  resolved: { databaseUrl: string; s3: S3Settings; jwtSecret?: string | undefined },
  log: Logger,
): Promise<Services> {
  const db = createDb({
    url: resolved.databaseUrl,
    maxConnections: config.databasePoolSize,
    onIdleError: (err) => log.warn({ err }, 'a Postgres connection failed; reconnecting on demand'),
  })
  const storage = createStorage({ ...resolved.s3, checksums: config.s3Checksums })
  const metrics = createMetrics(db)
  instrumentS3Client(storage.client, metrics, log)
  let uploadRateLimit: ClosableRateLimit | undefined
  try {
    const applied = await migrateToLatest(db)
    if (config.uploadRateLimit) {
      uploadRateLimit = await createUploadRateLimit(
        resolved.databaseUrl,
        config.uploadRateLimit,
        (err) => log.warn({ err }, 'a rate-limit Postgres connection failed; reconnecting'),
      )
    }
    if (applied.length) log.info({ applied }, 'database migrated')
    if (config.mode === 'development') await storage.ensureBucket()
    if (config.webOrigins.length) await storage.configureCors(config.webOrigins)
  } catch (err) {
    await db.destroy()
    storage.destroy()
    throw err
  }
  const authenticate = createAuthenticate({
    ...config.auth,
    ...(resolved.jwtSecret ? { jwtSecret: resolved.jwtSecret } : {}),
  })
  const events = createEventsRuntime(
    {
      db,
      storage,
      policies: config.policies,
      log,
      aroundJob: (job, run) => withRequestId(`job-${job.id}`, run),
    },
    config.events,
  )
  // Content checks start as soon as a document is uploaded, whichever way it arrived.
  const onUploaded = async (documentId: string) => {
    const doc = await findDocumentById(db, documentId).catch(() => undefined)
    if (doc) metrics.completed(doc.method, doc.purpose)
    await events.uploaded(documentId)
  }
  // Purposes inspected synchronously stream their uploads into clamd (POST /documents, tus).
  const scanner = config.events.clamd
    ? createClamavScanner({ address: parseClamdAddress(config.events.clamd) })
    : undefined
  const tusServer = createTusServer({
    storage,
    db,
    authenticate,
    policies: config.policies,
    partSize: config.tus.partSize,
    maxConcurrentPartUploads: config.tus.maxConcurrentPartUploads,
    partsPerUpload: config.tus.partsPerUpload,
    databaseUrl: resolved.databaseUrl,
    useTags: config.tus.useTags,
    expirationPeriodInMilliseconds: config.tus.expirationPeriodInMilliseconds,
    respectForwardedHeaders: config.trustProxy,
    ...(config.tus.maxDeferredLength ? { maxDeferredLength: config.tus.maxDeferredLength } : {}),
    ...(config.tus.tempDir ? { tempDir: config.tus.tempDir } : {}),
    // No origins configured: no CORS headers at all (never `*`).
    allowedOrigins: config.webOrigins,
    log,
    metrics,
    onUploaded,
    quotas: config.quotas,
    ...(uploadRateLimit ? { rateLimit: uploadRateLimit } : {}),
    scanner,
  })
  instrumentS3Client(tusServer.store.s3Client, metrics, log)
  tusServer.server.on('POST_CREATE', (_req, upload) => metrics.tusStarted(upload.metadata?.purpose))
  // Part files of a process that died (SIGKILL, OOM) are deleted at start-up.
  void tusServer.store.sweepTempFiles().then(
    (removed) => removed > 0 && log.info({ removed }, 'stale tus part files removed'),
    (err: unknown) => log.warn({ err }, 'sweeping the tus temp dir failed'),
  )
  const cleanupTimer = startCleanupInterval(tusServer, config.tus.cleanupIntervalMinutes, log)
  events.start()
  const { webhookSecret } = config.events
  return {
    db,
    storage,
    authenticate,
    tus: { handle: instrumentTus((req, res) => tusServer.server.handle(req, res), metrics) },
    tusServer,
    policies: config.policies,
    expiries: config.expiries,
    log,
    trustProxy: config.trustProxy,
    events,
    metrics,
    onUploaded,
    onProcedure: metrics.procedure,
    quotas: config.quotas,
    uploadRateLimit,
    scanner,
    downloadable: config.events.downloadRequiresReady ? ['ready'] : ['uploaded', 'ready'],
    extraRoutes: [
      metricsRoute(metrics, config.metrics.token),
      ...(webhookSecret ? [s3EventsRoute({ secret: webhookSecret, receive: events.receive })] : []),
    ],
    async close() {
      if (cleanupTimer) clearInterval(cleanupTimer)
      await events.close()
      await tusServer.close()
      await uploadRateLimit?.close()
      await db.destroy()
      storage.destroy()
    },
  }
}

/** Optional in-process expiry sweep; `pnpm --filter @uplink/server cleanup` does the same once. */
function startCleanupInterval(tus: TusServer, minutes: number, log: Logger) {
  if (minutes <= 0) return undefined
  const timer = setInterval(() => {
    tus.cleanupExpired().then(
      (result) => log.info({ result }, 'expired tus uploads cleaned up'),
      (err: unknown) => log.error({ err }, 'tus cleanup failed'),
    )
  }, minutes * 60_000)
  timer.unref()
  return timer
}
