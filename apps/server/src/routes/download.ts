import { AppError, type Authenticate, documentIdInput, documentNotFound } from '@uplink/core'
import { type Database, type Document, findDocumentForOwner } from '@uplink/db'
import type { Storage } from '@uplink/storage'
import { mintDownloadUrl, reprDigest } from '@uplink/uploads'
import { type Request, type Response, Router } from 'express'
import type { Kysely } from 'kysely'
import { streamDocument } from './content.ts'

/** `redirect`: 302 to a fresh signed GET; `stream`: the bytes through the server. */
export type DownloadMode = 'redirect' | 'stream'

interface Deps {
  db: Kysely<Database>
  storage: Storage
  authenticate: Authenticate
  downloadTtlSeconds: number
  downloadable?: readonly Document['status'][]
  mode?: DownloadMode
}

/**
 * GET /documents/:id/download — a stable URL to share inside the app: checks the caller owns
 * the document, then redirects to a freshly signed GET that is never cached or stored. Carries
 * `Repr-Digest: sha-256=:<base64>:` (RFC 9530) once the content check has verified the bytes.
 * In `stream` mode it serves the bytes itself, as `/documents/:id/content` does, as an attachment.
 */
export function downloadRoute(deps: Deps): Router {
  const router = Router()
  if (deps.mode === 'stream') {
    router.get('/documents/:id/download', streamDocument(deps, 'attachment'))
    return router
  }
  router.get('/documents/:id/download', async (req: Request<{ id: string }>, res: Response) => {
    res.setHeader('Cache-Control', 'no-store')
    const user = await deps.authenticate(req.header('authorization'))
    if (!user) {
      res.setHeader('WWW-Authenticate', 'Bearer')
      throw new AppError('unauthorized')
    }
    const id = documentIdInput.safeParse(req.params.id)
    const doc = id.success ? await findDocumentForOwner(deps.db, id.data, user.id) : undefined
    if (!doc || doc.status === 'deleted') throw documentNotFound(req.params.id)
    // A document that may not be downloaded yet is `not_downloadable`: 412, as over tRPC.
    const signed = await mintDownloadUrl(
      deps.storage,
      doc,
      deps.downloadTtlSeconds,
      deps.downloadable,
    )
    res.setHeader('Referrer-Policy', 'no-referrer')
    // The verified digest of the bytes behind the redirect, so a client can check what it gets.
    if (doc.sha256) res.setHeader('Repr-Digest', reprDigest(doc.sha256))
    res.redirect(302, signed.url)
  })
  return router
}
