import { AppError, type Authenticate, documentIdInput, documentNotFound } from '@uplink/core'
import { type Database, type Document, findDocumentForOwner } from '@uplink/db'
import type { Storage } from '@uplink/storage'
import { assertDownloadable, documentContent } from '@uplink/uploads'
import { type Request, type Response, Router } from 'express'
import type { Kysely } from 'kysely'
import { authenticateContent } from '../http/content-auth.ts'
import { serveContent } from '../http/serve-content.ts'

export interface ContentDeps {
  db: Kysely<Database>
  storage: Storage
  authenticate: Authenticate
  downloadable?: readonly Document['status'][] | undefined
}

/**
 * Streams a document the caller owns through the server (bearer header or the content
 * cookie): the same owner check, statuses and errors as the signed-GET download.
 * `disposition` forces `attachment` (the download route in stream mode).
 */
export function streamDocument(deps: ContentDeps, disposition?: 'attachment') {
  return async (req: Request<{ id: string }>, res: Response) => {
    res.setHeader('Cache-Control', 'no-store')
    const user = await authenticateContent(deps.authenticate, req)
    if (!user) {
      res.setHeader('WWW-Authenticate', 'Bearer')
      throw new AppError('unauthorized')
    }
    const id = documentIdInput.safeParse(req.params.id)
    const doc = id.success ? await findDocumentForOwner(deps.db, id.data, user.id) : undefined
    if (!doc || doc.status === 'deleted') throw documentNotFound(req.params.id)
    // The status check comes before any S3 call: a pending document costs no HEAD.
    assertDownloadable(doc, deps.downloadable)
    const content = documentContent(doc, await deps.storage.head(doc.objectKey), {
      downloadable: deps.downloadable,
      disposition,
    })
    await serveContent(req, res, deps.storage, content)
  }
}

/**
 * GET /documents/:id/content — the document's bytes through the server, for deployments
 * where they must not leave through a signed URL: Range (206/416), ETag, If-None-Match,
 * If-Range, Repr-Digest, back-pressure, and the S3 read aborted when the client leaves.
 */
export function contentRoute(deps: ContentDeps): Router {
  const router = Router()
  router.get('/documents/:id/content', streamDocument(deps))
  return router
}
