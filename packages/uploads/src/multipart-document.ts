/** Loading a multipart document for a multipart step: ownership, method and state. */
import { AppError, documentNotFound, type PartPlan, planParts } from '@uplink/core'
import { type Database, type Document, findDocumentForOwner } from '@uplink/db'
import type { Kysely } from 'kysely'

/**
 * How long a pending multipart row stays valid: a multi-GB upload takes far longer than one
 * signed URL lives, so the row allows a day while each part URL stays short-lived (rule 3).
 */
export const MULTIPART_ROW_TTL_SECONDS = 24 * 60 * 60

/** What loading needs: the database and the signed-in caller. */
export interface OwnerContext {
  db: Kysely<Database>
  user: { id: string }
}

/** The caller's pending multipart upload; `not_in_progress` when it is settled or expired. */
export async function pendingMultipart(
  ctx: OwnerContext,
  id: string,
): Promise<Document & { uploadRef: string }> {
  const doc = await ownMultipart(ctx, id)
  if (doc.status !== 'pending' || !doc.uploadRef) {
    throw new AppError(
      'not_in_progress',
      `document ${id} is ${doc.status}, not an upload in progress; start a new upload with multipart.create`,
    )
  }
  if (doc.expiresAt && doc.expiresAt.getTime() < Date.now()) {
    throw new AppError(
      'not_in_progress',
      `the multipart upload of document ${id} expired at ${doc.expiresAt.toISOString()}; start a new upload with multipart.create`,
    )
  }
  return { ...doc, uploadRef: doc.uploadRef }
}

/** The caller's multipart document in any state but deleted (`document_not_found` otherwise). */
export async function ownMultipart(ctx: OwnerContext, id: string): Promise<Document> {
  const doc = await findDocumentForOwner(ctx.db, id, ctx.user.id)
  if (!doc || doc.status === 'deleted') throw documentNotFound(id)
  if (doc.method !== 'multipart') {
    throw new AppError(
      'not_multipart',
      `document ${id} is a ${doc.method} upload, not multipart; use uploads.confirm for it`,
    )
  }
  return doc
}

/** The part plan of a document: derived from its declared size, so it never changes. */
export const plan = (doc: Document): PartPlan => ({
  size: doc.sizeBytes,
  ...planParts(doc.sizeBytes),
})
