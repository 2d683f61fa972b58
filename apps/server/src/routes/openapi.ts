import { appRouter, type createContextFactory, toErrorBody } from '@uplink/api'
import type { Policies } from '@uplink/core'
import { type Request, Router } from 'express'
import { createOpenApiExpressMiddleware, type OpenApiRouter } from 'trpc-to-openapi'
import { retryAfterSeconds } from '../http/retry-after.ts'
import { apiDocsRoutes } from './api-docs.ts'
import { API_PREFIX, buildOpenApiDocument } from './openapi-document.ts'

// The routers' meta is typed `object`; trpc-to-openapi reads only `meta.openapi`.
const router = appRouter as unknown as OpenApiRouter

interface Deps {
  createContext: ReturnType<typeof createContextFactory>
  /** The largest JSON body accepted, as for /trpc. */
  maxBodySize: number
  policies: Policies
  /** `UPLINK_PUBLIC_URL`: the document's `servers` URL. */
  publicUrl: string | undefined
}

/**
 * `/api/*`: the tRPC procedures as a REST API for apps in any language (trpc-to-openapi),
 * `/api/openapi.json` (the document) and `/api/docs` (an interactive reference).
 */
export function openApiRoutes(deps: Deps): Router {
  const document = buildOpenApiDocument({ publicUrl: deps.publicUrl, policies: deps.policies })
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
