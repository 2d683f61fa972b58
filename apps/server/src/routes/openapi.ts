import { appRouter, type createContextFactory, toErrorBody } from '@uplink/api'
import { type Request, type RequestHandler, Router } from 'express'
import type { OpenAPIV3_1 } from 'openapi-types'
import { createOpenApiExpressMiddleware, type OpenApiRouter } from 'trpc-to-openapi'
import { retryAfterSeconds } from '../http/retry-after.ts'
import { apiDocsRoutes } from './api-docs.ts'
import { methodNotAllowed } from './method-not-allowed.ts'
import { API_PREFIX } from './openapi-document.ts'
import { TUS_UPLOAD_PATH } from './openapi-tus.ts'

// The routers' meta is typed `object`; trpc-to-openapi reads only `meta.openapi`.
const router = appRouter as unknown as OpenApiRouter

interface Deps {
  /** The served document (`buildOpenApiDocument`). */
  document: OpenAPIV3_1.Document
  createContext: ReturnType<typeof createContextFactory>
  /** The largest JSON body accepted, as for /trpc. */
  maxBodySize: number
}

/**
 * Mounted before every route (tus and trpc-to-openapi answer 404 for a method they do not
 * know): a method the document does not list on one of its paths, or on the document's and the
 * reference's own URLs, gets 405 with `Allow`.
 */
export function openApiMethods(document: OpenAPIV3_1.Document): RequestHandler {
  return methodNotAllowed(document.paths ?? {}, {
    extra: { [`${API_PREFIX}/openapi.json`]: ['get'], [`${API_PREFIX}/docs`]: ['get'] },
    hints: { [TUS_UPLOAD_PATH]: 'a finished upload is downloaded from /documents/{id}/download' },
  })
}

/**
 * `/api/*`: the tRPC procedures as a REST API for apps in any language (trpc-to-openapi),
 * `/api/openapi.json` (the document) and `/api/docs` (an interactive reference).
 */
export function openApiRoutes(deps: Deps): Router {
  const { document } = deps
  const routes = Router()
  routes.get(`${API_PREFIX}/openapi.json`, (_req, res) => {
    res.json(document)
  })
  routes.use(apiDocsRoutes(`${API_PREFIX}/docs`, `${API_PREFIX}/openapi.json`))
  routes.use(
    API_PREFIX,
    createOpenApiExpressMiddleware({
      router,
      createContext: deps.createContext,
      maxBodySize: deps.maxBodySize,
      responseMeta({ errors }) {
        const wait = retryAfterSeconds(errors)
        return wait === undefined ? {} : { headers: { 'Retry-After': String(wait) } }
      },
      formatError: ({ error, req }) => toErrorBody(error, (req as Request).id),
      onError({ error, path, req }) {
        if (error.code === 'INTERNAL_SERVER_ERROR' || error.code === 'SERVICE_UNAVAILABLE') {
          ;(req as Request).log.error({ err: error.cause ?? error, path }, 'procedure failed')
        }
      },
    }),
  )
  return routes
}
