import { existsSync } from 'node:fs'
import { join } from 'node:path'
import express, { type NextFunction, type Request, type Response, Router } from 'express'

/** Paths that belong to the API: never answered with the web app, whatever the method. */
const API_PATHS = [
  /^\/trpc(\/|$)/,
  /^\/files(\/|$)/,
  /^\/healthz$/,
  /^\/dev(\/|$)/,
  /^\/documents\/[^/]+\/download$/,
]

/** Whether `dir` holds a built web app (apps/web/dist after `vite build`). */
export function hasWebApp(dir: string): boolean {
  return existsSync(join(dir, 'index.html'))
}

/**
 * Serves the built web app (apps/web/dist) from `dir`: hashed assets cached for a year,
 * index.html never cached, and index.html for any other GET that asks for HTML (SPA fallback).
 * API paths are left alone so a 404 there stays the API's JSON 404.
 */
export function webAppRoute(dir: string): Router {
  const router = Router()
  const isApi = (path: string) => API_PATHS.some((re) => re.test(path))
  const assets = express.static(dir, {
    index: false,
    fallthrough: true,
    setHeaders(res, file) {
      if (file.includes(`${join(dir, 'assets')}`)) {
        res.setHeader('Cache-Control', 'public, max-age=31536000, immutable')
      } else {
        res.setHeader('Cache-Control', 'no-cache')
      }
    },
  })
  router.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isApi(req.path)) return next()
    assets(req, res, next)
  })
  router.use((req: Request, res: Response, next: NextFunction) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || isApi(req.path)) return next()
    if (req.path.startsWith('/assets/') || !req.accepts('html')) return next()
    res.setHeader('Cache-Control', 'no-cache')
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.setHeader('Referrer-Policy', 'no-referrer')
    res.sendFile(join(dir, 'index.html'))
  })
  return router
}
