import { type Authenticate, mintDownloadUrl, NotDownloadableError, reprDigest } from '@uplink/api'
import { documentIdInput } from '@uplink/core'
import { type Database, type Document, findDocumentForOwner } from '@uplink/db'
import type { Storage } from '@uplink/storage'
import { type Request, type Response, Router } from 'express'
import type { Kysely } from 'kysely'

interface Deps {
  db: Kysely<Database>
  storage: Storage
  authenticate: Authenticate
  downloadTtlSeconds: number
  downloadable?: readonly Document['status'][]
}

/**
 * GET /documents/:id/download — a stable URL to share inside the app: checks the caller owns
 * the document, then redirects to a freshly signed GET that is never cached or stored. Carries
 * `Repr-Digest: sha-256=:<base64>:` (RFC 9530) once the content check has verified the bytes.
 */
export function downloadRoute(deps: Deps): Router {
  const router = Router()
  router.get('/documents/:id/download', async (req: Request<{ id: string }>, res: Response) => {
    res.setHeader('Cache-Control', 'no-store')
    const user = await deps.authenticate(req.header('authorization'))
    if (!user) {
      res.setHeader('WWW-Authenticate', 'Bearer')
      res.status(401).json({ error: 'send a valid bearer token in the Authorization header' })
      return
    }
    const id = documentIdInput.safeParse(req.params.id)
    const doc = id.success ? await findDocumentForOwner(deps.db, id.data, user.id) : undefined
    if (!doc || doc.status === 'deleted') {
      res.status(404).json({ error: `document ${req.params.id} was not found` })
      return
    }
    try {
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
    } catch (err) {
      if (!(err instanceof NotDownloadableError)) throw err
      res.status(409).json({ error: err.message })
    }
  })
  return router
}
