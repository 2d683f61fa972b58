import type { KeyObject } from 'node:crypto'
import { parseObjectKey } from '@uplink/core/object-key'
import { type Database, type Document, findDocumentByKey } from '@uplink/db'
import type { Storage } from '@uplink/storage'
import { DEFAULT_DOWNLOADABLE, GALLERY_PURPOSE } from '@uplink/uploads'
import { type Request, type Response, Router } from 'express'
import type { Kysely } from 'kysely'
import { sendError } from '../http/errors.ts'
import { sendBody } from '../http/send-body.ts'
import { resourceMatches, verifySignedCookies } from './signed-cookies.ts'

export interface CdnRouteDeps {
  db: Kysely<Database>
  storage: Pick<Storage, 'openObject'>
  /** Key pair id → public key, as CloudFront's trusted key group holds them. */
  publicKeys: ReadonlyMap<string, KeyObject>
  /**
   * The URL this verifier answers as (UPLINK_CDN_URL, or the fixed development one): with the
   * request's path after `/cdn`, the URL a policy's Resource must match. Never the Host header.
   */
  baseUrl: string
  downloadable?: readonly Document['status'][] | undefined
}

/** The request's cookies by name (the first of each name, as a CDN reads them). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = {}
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=')
    if (at < 1) continue
    const name = pair.slice(0, at).trim()
    if (!(name in cookies)) cookies[name] = pair.slice(at + 1).trim()
  }
  return cookies
}

/**
 * `GET /cdn/<key>`: a CloudFront stand-in for `pnpm dev` and tests. It checks the signed
 * cookies as CloudFront does (see signed-cookies.ts) against `<baseUrl>/<key>` — configuration
 * and path alone, as CloudFront only answers for its own configured names — then streams the
 * object. Stricter than CloudFront, which serves any object the policy covers: only a gallery
 * purpose's document key (`<owner>/image/<id>`, never `staging/…`) that the policy's Resource
 * covers once decoded, and whose document may be downloaded.
 */
export function cdnRoute(deps: CdnRouteDeps): Router {
  const downloadable = deps.downloadable ?? DEFAULT_DOWNLOADABLE
  const base = deps.baseUrl.replace(/\/+$/, '')
  const router = Router()
  router.get('/cdn/*splat', async (req: Request, res: Response) => {
    // req.path is the routed path, also for an absolute-form request line; still encoded.
    const path = req.path.slice('/cdn/'.length)
    const verdict = verifySignedCookies(
      {
        cookies: parseCookies(req.headers.cookie),
        url: `${base}/${path}${querySuffix(req.url)}`,
        ip: req.ip ?? req.socket.remoteAddress ?? '',
        now: new Date(),
      },
      deps.publicKeys,
    )
    if (!verdict.ok) return refuse(req, res, 'access_denied', `access denied: ${verdict.reason}`)
    // The key served is the decoded path: it must itself be a gallery key the Resource covers.
    const key = decodeKey(path)
    const parts = key ? parseObjectKey(key) : undefined
    if (!key || parts?.purpose !== GALLERY_PURPOSE) {
      return refuse(req, res, 'access_denied', 'access denied: not a gallery image')
    }
    if (!resourceMatches(verdict.resource, `${base}/${key}`)) {
      return refuse(req, res, 'access_denied', 'access denied: resource not granted')
    }
    const doc = await findDocumentByKey(deps.db, key)
    if (!doc || !downloadable.includes(doc.status))
      return refuse(req, res, 'document_not_found', 'not found')

    // A client that leaves before S3 answers aborts the GET; after that, pipeline does.
    const abort = new AbortController()
    res.once('close', () => res.writableFinished || abort.abort())
    const object = await deps.storage.openObject(doc.objectKey, { signal: abort.signal })
    if (!object) return refuse(req, res, 'document_not_found', 'not found')
    res.status(200)
    res.setHeader('Content-Type', doc.contentType)
    res.setHeader('Content-Length', String(object.size))
    if (object.etag) res.setHeader('ETag', object.etag)
    if (object.lastModified) res.setHeader('Last-Modified', object.lastModified.toUTCString())
    // The cookies are one user's: no shared cache may keep what they unlocked.
    res.setHeader('Cache-Control', 'private')
    res.setHeader('X-Content-Type-Options', 'nosniff')
    if (req.method === 'HEAD') {
      object.body.destroy()
      return void res.end()
    }
    // sendBody waits for the client to take the bytes (back-pressure) and cuts both on failure.
    await sendBody(object.body, res).catch((err: unknown) => {
      if (!res.writableFinished) req.log.debug({ err }, 'cdn response cut short')
    })
  })
  return router
}

/** `?query` of a request target (origin- or absolute-form), or ''. */
function querySuffix(target: string): string {
  const at = target.indexOf('?')
  return at < 0 ? '' : target.slice(at)
}

function decodeKey(path: string): string | undefined {
  try {
    return decodeURIComponent(path)
  } catch {
    return undefined
  }
}

function refuse(
  req: Request,
  res: Response,
  code: 'access_denied' | 'document_not_found',
  message: string,
): void {
  res.setHeader('Cache-Control', 'no-store')
  sendError(req, res, code, message)
}
