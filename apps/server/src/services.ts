import type { S3Client } from '@aws-sdk/client-s3'
import { createAuthenticate } from '@uplink/api'
import { createDb, type Document, findDocumentById, migrateToLatest } from '@uplink/db'
import { createEventsRuntime, type EventsRuntime } from '@uplink/events'
import { type Credentials, createStorage } from '@uplink/storage'
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
import { createUploadRateLimit } from './rate-limit.ts'
import { s3EventsRoute } from './routes/s3-events.ts'

export interface S3Settings {
  endpoint: string | undefined
  region: string
  bucket: string
  /** Static keys (a session token with temporary ones); undefined: the AWS SDK's default chain. */
  credentials: Credentials | undefined
  forcePathStyle: boolean
}

export interface Services extends AppDeps {
  tusServer: TusServer
  /** S3 events, job worker, content checks and reconciliation. */
  events: EventsRuntime
  /** The process's Prometheus registry and hooks (served per `config.metrics`). */
  metrics: Metrics
  /** Applies pending database migrations; resolves the names applied. */
  migrate(): Promise<string[]>
  /** Creates the bucket (development mode only) and sets its CORS rules for the web origins. */
  provisionBucket(): Promise<void>
  /** Opens the upload rate limit's store, so a bad database fails start-up. */
  openRateLimit(): Promise<void>
  /** Deletes the part files of a process that died (SIGKILL, OOM); logs what it removed. */
  sweepTusTempFiles(): Promise<void>
  /** Runs the expiry sweep every UPLINK_CLEANUP_INTERVAL_MINUTES (nothing when 0). */
  startTusCleanup(): void
  /** Starts the job worker, SQS consumer and reconcile interval, if UPLINK_WORKER is on. */
  startWorker(): void
  /** Stops whatever was started, then closes every connection. */
  close(): Promise<void>
}

/**
 * Wires config into packages: one Kysely, one S3 client, one token check, the tus server and
 * the events runtime. Constructs only: it migrates, provisions, connects and starts nothing;
 * each entry point calls the steps it needs (a server: `prepareToServe`).
 * `databaseUrl` and `s3` are passed separately so dev mode can supply embedded ones.
 */
export function createServices(
  config: Config,
  resolved: { databaseUrl: string; s3: S3Settings; jwtSecret?: string | undefined },
  log: Logger,
): Services {
  const db = createDb({
    url: resolved.databaseUrl,
    maxConnections: config.databasePoolSize,
    onIdleError: (err) => log.warn({ err }, 'a Postgres connection failed; reconnecting on demand'),
  })
  const storage = createStorage({ ...resolved.s3, checksums: config.s3Checksums })
  const metrics = createMetrics(db)
  instrumentS3Client(storage.client, metrics, log)
  // storage.head/delete run on the lean client, whose stack takes the same middleware.
  instrumentS3Client(storage.s3 as unknown as S3Client, metrics, log)
  const uploadRateLimit = config.uploadRateLimit
    ? createUploadRateLimit(resolved.databaseUrl, config.uploadRateLimit, (err) =>
        log.warn({ err }, 'a rate-limit Postgres connection failed; reconnecting'),
      )
    : undefined
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
  const onUploaded = async (documentId: string, uploaded?: Document) => {
    const doc = uploaded ?? (await findDocumentById(db, documentId).catch(() => undefined))
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
    partMemoryBytes: config.tus.partMemoryBytes,
    databaseUrl: resolved.databaseUrl,
    useTags: config.tus.useTags,
    s3Client: config.tus.s3Client,
    expirationPeriodInMilliseconds: config.tus.expirationPeriodInMilliseconds,
    singleInstance: config.tus.singleInstance,
    respectForwardedHeaders: config.trustProxy !== false,
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
  let cleanupTimer: NodeJS.Timeout | undefined
  const { webhookSecret } = config.events
  return {
    db,
    storage,
    authenticate,
    tus: { handle: instrumentTus((req, res) => tusServer.server.handle(req, res), metrics) },
    tusServer,
    policies: config.policies,
    publicUrl: config.publicUrl,
    expiries: config.expiries,
    gallery: config.cdn.signer
      ? {
          signer: config.cdn.signer,
          cdnUrl: config.cdn.url,
          resourceBase: config.cdn.resourceBase,
          cookieDomain: config.cdn.cookieDomain,
        }
      : undefined,
    cdn: { publicKeys: config.cdn.publicKeys, baseUrl: config.cdn.resourceBase },
    log,
    trustProxy: config.trustProxy,
    events,
    metrics,
    onUploaded,
    onProcedure: metrics.procedure,
    countFormUpload: metrics.formUpload,
    quotas: config.quotas,
    uploadRateLimit,
    scanner,
    downloadable: config.events.downloadRequiresReady ? ['ready'] : ['uploaded', 'ready'],
    downloadMode: config.downloadMode,
    extraRoutes: [
      metricsRoute(metrics, config.metrics.token),
      ...(webhookSecret ? [s3EventsRoute({ secret: webhookSecret, receive: events.receive })] : []),
    ],
    async migrate() {
      const applied = await migrateToLatest(db)
      if (applied.length) log.info({ applied }, 'database migrated')
      return applied
    },
    async provisionBucket() {
      if (config.mode === 'development') await storage.ensureBucket()
      if (!config.webOrigins.length) return
      const cors = await storage.configureCors(config.webOrigins)
      if (!cors.applied) log.warn({ origins: config.webOrigins }, cors.advice)
    },
    async openRateLimit() {
      await uploadRateLimit?.open()
    },
    async sweepTusTempFiles() {
      await tusServer.store.sweepTempFiles().then(
        (removed) => removed > 0 && log.info({ removed }, 'stale tus part files removed'),
        (err: unknown) => log.warn({ err }, 'sweeping the tus temp dir failed'),
      )
    },
    startTusCleanup() {
      cleanupTimer ??= startCleanupInterval(tusServer, config.tus.cleanupIntervalMinutes, log)
    },
    startWorker() {
      events.start()
    },
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

/**
 * What a process that serves HTTP needs before it listens: the schema, the rate limit's store,
 * the bucket and its CORS; then in the background the tus temp-dir sweep, the expiry interval
 * and the job worker. On failure everything is closed again.
 */
export async function prepareToServe(services: Services): Promise<void> {
  try {
    await services.migrate()
    await services.openRateLimit()
    await services.provisionBucket()
  } catch (err) {
    await services.close()
    throw err
  }
  void services.sweepTusTempFiles()
  services.startTusCleanup()
  services.startWorker()
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
