import { documentIdInput, documentNotFound } from '@uplink/core'
import { isStagedMethod, stagingKey } from '@uplink/core/object-key'
import {
  DOCUMENT_SORTS,
  findDocumentForOwner,
  listDocumentsForOwner,
  transitionDocument,
} from '@uplink/db'
import { mintDownloadUrl, toDocumentView } from '@uplink/uploads'
import { z } from 'zod'
import { documentPageOutput, documentViewOutput, downloadUrlOutput } from '../openapi.ts'
import { type Context, protectedProcedure, router } from '../trpc.ts'

const byIdInput = z.object({ id: documentIdInput })
/** Deleted documents are never listed. */
const LISTED_STATUSES = ['pending', 'uploaded', 'ready', 'rejected', 'expired'] as const

async function ownDocument(ctx: Context & { user: { id: string } }, id: string) {
  const doc = await findDocumentForOwner(ctx.db, id, ctx.user.id)
  if (!doc || doc.status === 'deleted') throw documentNotFound(id)
  return doc
}

/** The by-id procedures with their OpenAPI routes (`/api/...`, see apps/server routes/openapi.ts). */
const rest = {
  byId: protectedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/documents/{id}',
        tags: ['documents'],
        summary: 'One document of mine',
      },
    })
    .input(byIdInput)
    .output(documentViewOutput),
  downloadUrl: protectedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/documents/{id}/download-url',
        tags: ['documents'],
        summary: 'A fresh short-lived download URL',
      },
    })
    .input(byIdInput)
    .output(downloadUrlOutput),
  delete: protectedProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/documents/{id}',
        tags: ['documents'],
        summary: 'Delete a document (the row stays as an audit record)',
      },
    })
    .input(byIdInput)
    .output(documentViewOutput),
}

export const documentsRouter = router({
  list: protectedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/documents',
        tags: ['documents'],
        summary: 'My documents, a page at a time: sorted, searched by name, filtered by status',
      },
    })
    .input(
      z
        .object({
          cursor: z.string().max(2000).nullish(),
          limit: z.number().int().min(1).max(100).default(50),
          /** newest (default), oldest, name (A–Z, case-insensitive) or size (largest first). */
          sort: z.enum(DOCUMENT_SORTS).default('newest'),
          /** Only documents whose name contains this text, case-insensitive. */
          search: z.string().max(200).nullish(),
          /** Only documents in this state. */
          status: z.enum(LISTED_STATUSES).nullish(),
        })
        .default({ limit: 50, sort: 'newest' }),
    )
    .output(documentPageOutput)
    .query(async ({ ctx, input }) => {
      const page = await listDocumentsForOwner(ctx.db, ctx.user.id, input)
      return { items: page.items.map(toDocumentView), nextCursor: page.nextCursor }
    }),

  byId: rest.byId.query(async ({ ctx, input }) => {
    return toDocumentView(await ownDocument(ctx, input.id))
  }),

  /**
   * A fresh, short-lived URL; fetch a new one when it expires (a 403 from S3). `sha256` is the
   * verified whole-object digest (base64) to check the downloaded bytes against, when known.
   */
  downloadUrl: rest.downloadUrl.query(async ({ ctx, input }) => {
    const doc = await ownDocument(ctx, input.id)
    const signed = await mintDownloadUrl(ctx.storage, doc, ctx.expiries.download, ctx.downloadable)
    return {
      url: signed.url,
      expiresAt: signed.expiresAt.toISOString(),
      sha256: doc.sha256,
    }
  }),

  /** Deletes the object, then marks the row `deleted` (the row stays as an audit record). */
  delete: rest.delete.mutation(async ({ ctx, input }) => {
    const doc = await ownDocument(ctx, input.id)
    if (doc.method === 'multipart' && doc.status === 'pending' && doc.uploadRef) {
      await ctx.storage.multipart.abort({ key: doc.objectKey, uploadId: doc.uploadRef })
    }
    await ctx.storage.delete(doc.objectKey)
    // A pending put/post may have bytes waiting on its staging key.
    if (doc.status === 'pending' && isStagedMethod(doc.method)) {
      await ctx.storage.delete(stagingKey(doc.objectKey))
    }
    const deleted = await transitionDocument(ctx.db, doc.id, {
      to: 'deleted',
      ownerId: ctx.user.id,
    })
    if (!deleted) throw documentNotFound(input.id)
    return toDocumentView(deleted)
  }),
})
