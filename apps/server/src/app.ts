import type { KeyObject } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { type ApiDeps, appRouter, createContextFactory } from '@uplink/api'
import { MAX_TRPC_BATCH_ITEMS } from '@uplink/core'
import type { Scanner } from '@uplink/uploads'
import express, { type Express } from 'express'
import type { Logger } from 'pino'
import { cdnRoute } from './cdn/route.ts'
import { errorHandler, notFound } from './http/errors.ts'
import { readinessRoute } from './http/readiness.ts'
import { requestContext } from './http/request-context.ts'
import { retryAfterSeconds } from './http/retry-after.ts'
import { trpcRoute } from './http/trpc-route.ts'
import { contentRoute } from './routes/content.ts'
import { contentSessionRoute } from './routes/content-session.ts'
import { documentsPostRoute } from './routes/documents-post.ts'
import { type DownloadMode, downloadRoute } from './routes/download.ts'
import { openApiMethods, openApiRoutes } from './routes/openapi.ts'
import { buildOpenApiDocument } from './routes/openapi-document.ts'
import type { TrustProxy } from './trust-proxy.ts'

export interface AppDeps extends Omit<ApiDeps, 'log'> {
  log: Logger
  /** The tus server's request handler, mounted at /files with no body parser in front. */
  tus?: { handle(req: IncomingMessage, res: ServerResponse): Promise<void> | void }
  trustProxy?: TrustProxy
  /** True while the server shuts down: `/readyz` answers 503 so balancers stop sending. */
  draining?: () => boolean
  /**
   * The /cdn verifier, served when `publicKeys` (trusted keys by key pair id) is not empty;
   * `baseUrl` is the URL it answers as (see cdnRoute).
   */
  cdn?: { publicKeys: ReadonlyMap<string, KeyObject>; baseUrl: string }
  /** The virus scanner of purposes inspected synchronously (POST /documents, tus). */
  scanner?: Scanner | undefined
  /** Extra routers (dev-only endpoints, the built web app) mounted before the 404. */
  extraRoutes?: express.RequestHandler[]
  /** `/documents/:id/download`: 302 to a signed GET (default) or the bytes streamed. */
  downloadMode?: DownloadMode
  /** The URL clients reach this server at: the `servers` of /api/openapi.json (relative `/` when unset). */
  publicUrl?: string | undefined
  /** Upload metrics of POST /documents (started, completed, failed). */
  countFormUpload?: (event: 'started' | 'completed' | 'failed', purpose: string | undefined) => void
}

/** The largest tRPC request body accepted (a batch of 10 signParts calls is ~20 KiB). */
export const MAX_TRPC_BODY_BYTES = 64 * 1024

/** Builds the Express app from ready dependencies (tests build it the same way). */
export function createApp(deps: AppDeps): Express {
  const app = express()
  app.disable('x-powered-by')
  // A number trusts that many hops; a list, those addresses (never `true`: every hop).
  if (deps.trustProxy) app.set('trust proxy', deps.trustProxy)
  app.use(requestContext(deps.log))

  app.use((_req, res, next) => {
    // Responses are what they say they are; API answers (signed URLs) are never cached.
    res.set('X-Content-Type-Options', 'nosniff')
    // Draining: no keep-alive, so balancers open their next request on another instance.
    if (deps.draining?.()) res.set('Connection', 'close')
    next()
  })
  app.use(['/trpc', '/documents', '/api'], (_req, res, next) => {
    res.set('Cache-Control', 'no-store')
    next()
  })

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true })
  })
  app.get(
    '/readyz',
    readinessRoute({
      db: deps.db,
      storage: deps.storage,
      ...(deps.draining ? { draining: deps.draining } : {}),
    }),
  )

  // Ahead of routes no /trpc path can match (the OpenAPI 405s, tus): calls skip their matching.
  app.use(
    '/trpc',
    trpcRoute({
      router: appRouter,
      createContext: createContextFactory(deps),
      // The one limit, shared with the web app's batching link (which splits at it).
      maxBatchSize: MAX_TRPC_BATCH_ITEMS,
      // Inputs are small JSON; a larger body is refused (413) before it is read into memory.
      maxBodySize: MAX_TRPC_BODY_BYTES,
      responseMeta({ errors }) {
        const retryAfter = retryAfterSeconds(errors)
        return retryAfter ? { headers: new Headers({ 'Retry-After': String(retryAfter) }) } : {}
      },
      onError({ error, path, req }) {
        if (error.code === 'INTERNAL_SERVER_ERROR' || error.code === 'SERVICE_UNAVAILABLE') {
          ;(req as express.Request).log.error(
            { err: error.cause ?? error, path },
            'procedure failed',
          )
        }
      },
    }),
  )

  const openApi = buildOpenApiDocument({ publicUrl: deps.publicUrl, policies: deps.policies })
  app.use(openApiMethods(openApi))

  if (deps.tus) {
    const tus = deps.tus
    // The tus server reads the raw request stream itself: no body parser may run first.
    app.all(['/files', '/files/*splat'], (req, res, next) => {
      Promise.resolve(tus.handle(req, res)).catch(next)
    })
  }

  app.use(
    openApiRoutes({
      document: openApi,
      createContext: createContextFactory(deps),
      maxBodySize: MAX_TRPC_BODY_BYTES,
    }),
  )
  app.use(
    downloadRoute({
      db: deps.db,
      storage: deps.storage,
      authenticate: deps.authenticate,
      downloadTtlSeconds: deps.expiries.download,
      ...(deps.downloadable ? { downloadable: deps.downloadable } : {}),
      ...(deps.downloadMode ? { mode: deps.downloadMode } : {}),
    }),
  )
  if (deps.cdn?.publicKeys.size) {
    app.use(
      cdnRoute({
        db: deps.db,
        storage: deps.storage,
        ...deps.cdn,
        downloadable: deps.downloadable,
      }),
    )
  }
  app.use(contentRoute(deps))
  app.use(contentSessionRoute(deps))
  app.use(
    documentsPostRoute({
      db: deps.db,
      storage: deps.storage,
      authenticate: deps.authenticate,
      policies: deps.policies,
      scanner: deps.scanner,
      expiries: deps.expiries,
      quotas: deps.quotas,
      uploadRateLimit: deps.uploadRateLimit,
      onUploaded: deps.onUploaded,
      count: deps.countFormUpload,
      log: deps.log,
    }),
  )
  for (const route of deps.extraRoutes ?? []) app.use(route)
  app.use(notFound)
  app.use(errorHandler)
  return app
}
