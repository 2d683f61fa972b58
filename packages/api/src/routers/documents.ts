import { AppError, documentIdInput, documentNotFound, textInput } from '@uplink/core'
import { isStagedMethod, stagingKey } from '@uplink/core/object-key'
import {
  DOCUMENT_SORTS,
  type Document,
  findDocumentForOwner,
  listDocumentsForOwner,
  transitionDocument,
} from '@uplink/db'
import { mintDownloadUrl, signGalleryAccess, toDocumentView, viewDocument } from '@uplink/uploads'
import { z } from 'zod'
import { galleryCookieDomain, galleryCookieHeaders } from '../gallery-cookies.ts'
import { documentPageOutput, documentViewOutput, downloadUrlOutput } from '../openapi.ts'
import { type Context, protectedProcedure, publicProcedure, router } from '../trpc.ts'

const byIdInput = z.object({ id: documentIdInput })
/** Deleted documents are never listed. */
const LISTED_STATUSES = ['pending', 'uploaded', 'ready', 'rejected', 'expired'] as const

/** The view with the poster URL (if any) minted now, for the download TTL. */
const view = (ctx: Context, doc: Document) => viewDocument(ctx.storage, doc, ctx.expiries.download)

/** Gallery cookies live this long unless configured (seconds). */
const DEFAULT_GALLERY_TTL_SECONDS = 600

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
          cursor: textInput('cursor').max(2000).nullish(),
          limit: z.number().int().min(1).max(100).default(50),
          /** newest (default), oldest, name (A–Z, case-insensitive) or size (largest first). */
          sort: z.enum(DOCUMENT_SORTS).default('newest'),
          /** Only documents whose name contains this text, case-insensitive. */
          search: textInput('search').max(200).nullish(),
          /** Only documents in this state. */
          status: z.enum(LISTED_STATUSES).nullish(),
        })
        .default({ limit: 50, sort: 'newest' }),
    )
    .output(documentPageOutput)
    .query(async ({ ctx, input }) => {
      const page = await listDocumentsForOwner(ctx.db, ctx.user.id, input)
      const items = await Promise.all(page.items.map((doc) => view(ctx, doc)))
      return { items, nextCursor: page.nextCursor }
    }),

  byId: rest.byId.query(async ({ ctx, input }) => {
    return view(ctx, await ownDocument(ctx, input.id))
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

  /**
   * Whether `galleryAccess` can sign here (CloudFront configured, or `pnpm dev`'s own key), so a
   * page offers the gallery only where it works, without asking for cookies it may not use.
   */
  galleryAvailable: publicProcedure.query(({ ctx }) => ({ available: ctx.gallery !== undefined })),

  /**
   * Sets CloudFront signed cookies that let this browser load the caller's own images from the
   * CDN until `expiresAt` (one policy for a whole page, not a URL per image). An image's URL is
   * `<baseUrl>/<prefix><documentId>`; call again when images start failing with 403.
   */
  galleryAccess: protectedProcedure.mutation(({ ctx }) => {
    const { gallery, setCookie } = ctx
    const baseUrl = gallery?.cdnUrl ?? (ctx.requestOrigin ? `${ctx.requestOrigin}/cdn` : undefined)
    if (!gallery || !baseUrl) throw new AppError('gallery_not_configured')
    if (!setCookie) {
      throw new AppError('gallery_not_configured', 'gallery cookies need an HTTP response')
    }
    const access = signGalleryAccess(gallery.signer, {
      ownerId: ctx.user.id,
      baseUrl,
      resourceBase: gallery.resourceBase,
      ttlSeconds: ctx.expiries.gallery ?? DEFAULT_GALLERY_TTL_SECONDS,
    })
    const domain = galleryCookieDomain(gallery.cookieDomain, access.baseUrl, ctx.requestOrigin)
    for (const cookie of galleryCookieHeaders(access.cookies, domain)) setCookie(cookie)
    return {
      baseUrl: access.baseUrl,
      prefix: access.prefix,
      expiresAt: access.expiresAt.toISOString(),
    }
  }),

  /**
   * Deletes the object (and a video's poster), then marks the row `deleted` (the row stays as
   * an audit record).
   */
  delete: rest.delete.mutation(async ({ ctx, input }) => {
    const doc = await ownDocument(ctx, input.id)
    if (doc.method === 'multipart' && doc.status === 'pending' && doc.uploadRef) {
      await ctx.storage.multipart.abort({ key: doc.objectKey, uploadId: doc.uploadRef })
    }
    await ctx.storage.delete(doc.objectKey)
    // A content check still running deletes the poster it stores once it sees `deleted`.
    if (doc.posterKey) await ctx.storage.delete(doc.posterKey)
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
