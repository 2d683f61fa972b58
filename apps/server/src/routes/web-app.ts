import { existsSync } from 'node:fs'
import { join } from 'node:path'
import express, { type NextFunction, type Request, type Response, Router } from 'express'

/**
 * Paths that belong to the server: never answered with the web app, whatever the method, so an
 * unknown one stays the API's JSON 404 (e.g. /metrics when it is not served on this port).
 */
const API_PATHS = [
  /^\/api(\/|$)/,
  /^\/trpc(\/|$)/,
  /^\/files(\/|$)/,
  /^\/cdn(\/|$)/,
  /^\/documents(\/|$)/,
  /^\/metrics(\/|$)/,
  /^\/hooks(\/|$)/,
  /^\/dev(\/|$)/,
  /^\/(healthz|readyz)$/,
]

/** Where the page may send and fetch bytes besides its own origin: the bucket, for direct uploads and downloads. */
export interface WebAppOptions {
  /** Origins of presigned URLs, e.g. `http://127.0.0.1:7070` or `https://bucket.s3.eu-west-1.amazonaws.com`. */
  storageOrigins?: string[]
  /** `UPLINK_CDN_URL`: gallery images load from its origin (unset: `<this origin>/cdn`). */
  cdnUrl?: string | undefined
}

/**
 * The presigned-URL origins for these S3 settings: the endpoint (path-style) and the bucket's
 * virtual host, or AWS's regional hosts when no endpoint is set.
 */
export function storageOrigins(s3: {
  endpoint?: string | undefined
  bucket: string
  region: string
}): string[] {
  if (s3.endpoint) {
    const url = new URL(s3.endpoint)
    return [url.origin, `${url.protocol}//${s3.bucket}.${url.host}`]
  }
  return [
    `https://${s3.bucket}.s3.${s3.region}.amazonaws.com`,
    `https://s3.${s3.region}.amazonaws.com`,
  ]
}

/**
 * The page's Content-Security-Policy: only its own scripts and styles, no inline script, no
 * framing; its scripts may compile WebAssembly ('wasm-unsafe-eval', not 'unsafe-eval': the
 * upload SHA-256 worker runs hash-wasm); network to itself and the bucket. Images: blob:/data: (Uppy's and the list's
 * thumbnails), the bucket (video posters are signed GETs) and the CDN (gallery); media (the
 * video player) only from this origin's `/documents/:id/content`.
 */
export function contentSecurityPolicy(storage: string[], cdnUrl?: string): string {
  const cdn = cdnUrl ? [new URL(cdnUrl).origin] : []
  return [
    "default-src 'none'",
    "script-src 'self' 'wasm-unsafe-eval'",
    "style-src 'self'",
    `img-src 'self' blob: data: ${[...storage, ...cdn].join(' ')}`.trim(),
    "media-src 'self'",
    "font-src 'self'",
    `connect-src 'self' ${storage.join(' ')}`.trim(),
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ')
}

/** Security headers for every web-app response (the document and its assets). */
function securityHeaders(csp: string): Record<string, string> {
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
    // Ignored by browsers over plain http; binding once the site is served over https.
    'Strict-Transport-Security': 'max-age=31536000',
  }
}

/** Whether `dir` holds a built web app (apps/web/dist after `vite build`). */
export function hasWebApp(dir: string): boolean {
  return existsSync(join(dir, 'index.html'))
}

/**
 * Serves the built web app (apps/web/dist) from `dir`: hashed assets cached for a year,
 * index.html never cached, and index.html for any other GET that asks for HTML (SPA fallback).
 * API paths are left alone so a 404 there stays the API's JSON 404. Every response carries the
 * security headers, the document a strict Content-Security-Policy.
 */
export function webAppRoute(dir: string, options: WebAppOptions = {}): Router {
  const router = Router()
  const headers = securityHeaders(
    contentSecurityPolicy(options.storageOrigins ?? [], options.cdnUrl),
  )
  const isApi = (path: string) => API_PATHS.some((re) => re.test(path))
  const assets = express.static(dir, {
    index: false,
    fallthrough: true,
    setHeaders(res, file) {
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
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
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value)
    res.sendFile(join(dir, 'index.html'))
  })
  return router
}
