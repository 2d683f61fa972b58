import { type Database, type Document, findDocumentByKey } from '@uplink/db'
import type { Kysely } from 'kysely'
import { FREED, GONE, NOT_FOUND } from '../protocol/errors.ts'
import { recordReprDigest } from '../protocol/repr-digest.ts'
import { requestState } from '../protocol/request-state.ts'
import { belongsTo, parseUploadId } from '../protocol/upload-id.ts'
import type { RequireUser } from './request-user.ts'

/**
 * Every tus request needs a valid bearer token (401). HEAD, PATCH and DELETE must name an
 * upload of the caller: someone else's id answers 404 exactly like a missing one, and so does a
 * deleted document.
 */
export function createOnIncomingRequest(deps: {
  db: Kysely<Database>
  requireUser: RequireUser
  /**
   * The upload's document (default: findDocumentByKey). The server's reads it in the round trip
   * that starts taking the upload's lock (released if refused): one wait, one round trip.
   */
  findDocument?: ((uploadId: string) => Promise<Document | undefined>) | undefined
}) {
  const findDocument = deps.findDocument ?? ((id: string) => findDocumentByKey(deps.db, id))
  return async (req: Request, uploadId: string): Promise<void> => {
    const user = await deps.requireUser(req)
    // POST: the id was just made by the naming function for this user.
    if (req.method === 'POST') return

    const parts = parseUploadId(uploadId)
    if (!parts || !belongsTo(parts, user.id)) throw NOT_FOUND
    const doc = await findDocument(uploadId)
    if (!doc || doc.ownerId !== user.id || doc.method !== 'tus') throw NOT_FOUND
    // "If a Client does attempt to resume an upload which has since been removed by the
    // Server, the Server SHOULD respond with 404 Not Found or 410 Gone."
    if (doc.status === 'expired') throw GONE
    if (doc.status === 'pending' && doc.expiresAt && doc.expiresAt.getTime() <= Date.now()) {
      throw GONE
    }
    // A completed upload answers like one (HEAD: offset = length) until its tus state is freed
    // or the document deleted, also when it was rejected: the rejection is shown on the document.
    if (doc.status === 'deleted') throw NOT_FOUND
    // Its tus state was freed (tus DELETE, or cleanupExpired after the expiry period).
    if (doc.status !== 'pending' && doc.uploadRef === null) throw FREED
    // A PATCH's Repr-Digest: the whole file's SHA-256, recorded before the PATCH writes.
    const declared = requestState()?.reprDigest
    const current = declared ? await recordReprDigest(deps.db, doc, declared) : doc
    // The finish of this request starts from this row (its transitions are guarded by status).
    requestState()?.documents.set(uploadId, current)
  }
}
