import { apiReference } from '@scalar/express-api-reference'
import { appRouter, type createContextFactory } from '@uplink/api'
import { type Request, Router } from 'express'
import {
  createOpenApiExpressMiddleware,
  generateOpenApiDocument,
  type OpenApiRouter,
} from 'trpc-to-openapi'
import { withDocumentsPost } from './openapi-documents-post.ts'

// The routers' meta is typed `object`; trpc-to-openapi reads only `meta.openapi`.
const router = appRouter as unknown as OpenApiRouter

interface Deps {
  createContext: ReturnType<typeof createContextFactory>
  /** The largest JSON body accepted, as for /trpc. */
  maxBodySize: number
}

/**
 * The OpenAPI document of the procedures that carry `meta.openapi` (same routers as /trpc),
 * plus `POST /documents` (a plain Express route).
 */
export function openApiDocument() {
  const generated = generateOpenApiDocument(router, {
    title: 'Uplink API',
    description:
      'Presigned direct-to-S3 uploads and downloads. The same procedures as /trpc, as REST. ' +
      'Signed URLs in responses are bearer tokens: use them at once, never store or log them.',
    version: '1',
    baseUrl: '/api',
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
  })
  return withDocumentsPost(generated)
}

/**
 * `/api/*`: the tRPC procedures as a REST API for apps in any language (trpc-to-openapi),
 * `/api/openapi.json` (the document) and `/api/docs` (an interactive reference).
 */
export function openApiRoutes(deps: Deps): Router {
  const document = openApiDocument()
  const routes = Router()
  routes.get('/api/openapi.json', (_req, res) => {
    res.json(document)
  })
  routes.use('/api/docs', apiReference({ url: '/api/openapi.json' }))
  routes.use(
    '/api',
    createOpenApiExpressMiddleware({
      router,
      createContext: deps.createContext,
      maxBodySize: deps.maxBodySize,
      responseMeta({ errors }) {
        const down = errors.some((e) => e.code === 'SERVICE_UNAVAILABLE')
        return down ? { headers: { 'Retry-After': '5' } } : {}
      },
      onError({ error, path, req }) {
        if (error.code === 'INTERNAL_SERVER_ERROR' || error.code === 'SERVICE_UNAVAILABLE') {
          ;(req as Request).log.error({ err: error.cause ?? error, path }, 'procedure failed')
        }
      },
    }),
  )
  return routes
}
