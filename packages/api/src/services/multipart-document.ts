/** Loading a multipart document for a multipart procedure: ownership, method and state. */
import { TRPCError } from '@trpc/server'
import { type Document, findDocumentForOwner } from '@uplink/db'
import { planParts } from '@uplink/storage'
import type { Context } from '../trpc.ts'
import { documentNotFound } from './errors.ts'
import type { PartPlan } from './multipart-parts.ts'

export type UserContext = Context & { user: { id: string } }

/** The caller's pending multipart upload, or NOT_FOUND / a clear precondition error. */
export async function pendingMultipart(
  ctx: UserContext,
  id: string,
): Promise<Document & { uploadRef: string }> {
  const doc = await ownMultipart(ctx, id)
  if (doc.status !== 'pending' || !doc.uploadRef) {
    throw new TRPCError({
      code: 'PRECONDITION_FAILED',
      message: `document ${id} is ${doc.status}, not an upload in progress; start a new upload with multipart.create`,
    })
  }
  if (doc.expiresAt && doc.expiresAt.getTime() < Date.now()) {
    throw new TRPCError({
      code: 'PRECONDITION_FAILED',
      message: `the multipart upload of document ${id} expired at ${doc.expiresAt.toISOString()}; start a new upload with multipart.create`,
    })
  }
  return { ...doc, uploadRef: doc.uploadRef }
}

/** The caller's multipart document in any state but deleted. */
export async function ownMultipart(ctx: UserContext, id: string): Promise<Document> {
  const doc = await findDocumentForOwner(ctx.db, id, ctx.user.id)
  if (!doc || doc.status === 'deleted') throw documentNotFound(id)
  if (doc.method !== 'multipart') {
    throw new TRPCError({
      code: 'BAD_REQUEST',
      message: `document ${id} is a ${doc.method} upload, not multipart; use uploads.confirm for it`,
    })
  }
  return doc
}

/** The part plan of a document: derived from its declared size, so it never changes. */
export const plan = (doc: Document): PartPlan => ({
  size: doc.sizeBytes,
  ...planParts(doc.sizeBytes),
})
