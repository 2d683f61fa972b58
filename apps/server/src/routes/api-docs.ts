import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type Response, Router } from 'express'
import { contentSecurityPolicy } from './web-app.ts'

/** The files of swagger-ui-dist the page loads. */
export const SWAGGER_UI_FILES = ['swagger-ui-bundle.js', 'swagger-ui.css'] as const

/**
 * Where the viewer's files are: `dist/swagger-ui/` beside the production bundle (build.mjs
 * copies them there: the image ships no node_modules), else the installed package.
 */
function swaggerUiDir(): string {
  const beside = fileURLToPath(new URL('./swagger-ui/', import.meta.url))
  if (existsSync(join(beside, SWAGGER_UI_FILES[0]))) return beside
  return dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'))
}

// No inline script or style: the page passes the document's URL in a data attribute.
const page = (base: string, documentUrl: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Uplink API reference</title>
<link rel="stylesheet" href="${base}/swagger-ui.css">
</head>
<body>
<div id="api-docs" data-openapi-url="${documentUrl}"></div>
<script src="${base}/swagger-ui-bundle.js"></script>
<script src="${base}/init.js"></script>
</body>
</html>
`

// validatorUrl: null, or Swagger UI fetches a badge from its public validator.
const INIT = `const root = document.getElementById('api-docs')
window.ui = SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  domNode: root,
  deepLinking: true,
  validatorUrl: null,
})
`

/**
 * `base` (e.g. `/api/docs`): an interactive reference of the OpenAPI document at `documentUrl`,
 * served from the server's own copy of swagger-ui-dist (no CDN) under the web app's
 * Content-Security-Policy (scripts and styles from this origin only, no inline script).
 */
export function apiDocsRoutes(base: string, documentUrl: string): Router {
  const dir = swaggerUiDir()
  const csp = contentSecurityPolicy([])
  const headers = (res: Response, type: string) => {
    res.set({
      'Content-Type': type,
      'Content-Security-Policy': csp,
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
      // Revalidated each time (ETag): a new swagger-ui-dist is picked up at once.
      'Cache-Control': 'no-cache',
    })
  }
  const routes = Router()
  routes.get(base, (_req, res) => {
    headers(res, 'text/html; charset=utf-8')
    res.send(page(base, documentUrl))
  })
  routes.get(`${base}/init.js`, (_req, res) => {
    headers(res, 'text/javascript; charset=utf-8')
    res.send(INIT)
  })
  for (const file of SWAGGER_UI_FILES) {
    routes.get(`${base}/${file}`, (_req, res, next) => {
      headers(
        res,
        file.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8',
      )
      // `root`: the package lives under node_modules/.pnpm, which send refuses as a dot path.
      res.sendFile(file, { root: dir }, (err) => err && next(err))
    })
  }
  return routes
}
