import { randomUUID } from 'node:crypto'
import {
  checkQuotas,
  checkUpload,
  consumeRateLimit,
  documentIdInput,
  normalizeContentType,
  sanitizeFilename,
  sha256Input,
  type UploadMethod,
  uploadRequestInput,
} from '@uplink/core'
import {
  findDocumentForOwner,
  insertPendingDocument,
  insertPendingDocumentWithin,
} from '@uplink/db'
import { objectKey, uploadKey } from '@uplink/storage'
import { z } from 'zod'
import { documentViewOutput, presignPutOutput } from '../openapi.ts'
import { toDocumentView } from '../services/document-view.ts'
import { documentNotFound, toTRPCError } from '../services/errors.ts'
import { verifyUpload } from '../services/verify-upload.ts'
import { type Context, protectedProcedure, router } from '../trpc.ts'

/** An upload request; `sha256` (base64) is the whole-object digest the client declares, if any. */
type UploadInput = z.infer<typeof uploadRequestInput> & { sha256?: string | undefined }

/**
 * Authorise before signing (rule 1): check the policy, the user's rate limit and quotas, then create the `pending` row whose
 * server-generated key the URL will be signed for. The row expires after the upload URL TTL
 * unless `rowTtlSeconds` says otherwise (a multipart upload outlives any one signed URL).
 */
export async function createPendingUpload(
  ctx: Context & { user: { id: string } },
  input: UploadInput,
  method: UploadMethod,
  uploadRef: string | null = null,
  rowTtlSeconds: number = ctx.expiries.upload,
) {
  const contentType = normalizeContentType(input.contentType)
  checkUpload(ctx.policies, { ...input, contentType, method })
  await consumeRateLimit(ctx.uploadRateLimit, ctx.user.id)
  const { quotas } = ctx
  const id = randomUUID()
  const row = {
    id,
    ownerId: ctx.user.id,
    purpose: input.purpose,
    objectKey: objectKey({ ownerId: ctx.user.id, purpose: input.purpose, documentId: id }),
    filename: sanitizeFilename(input.filename),
    contentType,
    sizeBytes: input.size,
    method,
    uploadRef,
    expiresAt: new Date(Date.now() + rowTtlSeconds * 1000),
    declaredSha256: input.sha256 ?? null,
  }
  if (!quotas) return insertPendingDocument(ctx.db, row)
  return insertPendingDocumentWithin(ctx.db, row, (usage) =>
    checkQuotas(quotas, usage, { size: input.size, method, purpose: input.purpose }),
  )
}

export const uploadsRouter = router({
  /**
   * Step 1 of a single PUT: a pending row and a short-lived URL with Content-Type signed. The
   * URL writes the staging key; confirm moves the bytes to the served key, out of its reach.
   */
  presignPut: protectedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/uploads/presign-put',
        tags: ['uploads'],
        summary: 'Start a single-PUT upload: a pending document and a signed URL',
      },
    })
    .input(uploadRequestInput.extend({ sha256: sha256Input.optional() }))
    .output(presignPutOutput)
    .mutation(async ({ ctx, input }) => {
      try {
        const doc = await createPendingUpload(ctx, input, 'put')
        const signed = await ctx.storage.presignPut({
          key: uploadKey(doc),
          contentType: doc.contentType,
          size: doc.sizeBytes,
          sha256: input.sha256,
          expiresInSeconds: ctx.expiries.upload,
        })
        return {
          documentId: doc.id,
          url: signed.url,
          method: signed.method,
          headers: signed.headers,
          expiresAt: signed.expiresAt.toISOString(),
        }
      } catch (err) {
        throw toTRPCError(err)
      }
    }),

  /** Step 1 of a browser form POST: a policy with exact Content-Type and length range, for the staging key. */
  presignPost: protectedProcedure.input(uploadRequestInput).mutation(async ({ ctx, input }) => {
    try {
      const doc = await createPendingUpload(ctx, input, 'post')
      const signed = await ctx.storage.presignPost({
        key: uploadKey(doc),
        contentType: doc.contentType,
        size: doc.sizeBytes,
        expiresInSeconds: ctx.expiries.upload,
      })
      return {
        documentId: doc.id,
        url: signed.url,
        fields: signed.fields,
        expiresAt: signed.expiresAt.toISOString(),
      }
    } catch (err) {
      throw toTRPCError(err)
    }
  }),

  /** Step 2: HeadObject decides, then the staged bytes move to the served key. Idempotent. */
  confirm: protectedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/uploads/confirm',
        tags: ['uploads'],
        summary: 'Confirm an upload: the server checks the stored object',
      },
    })
    .input(z.object({ documentId: documentIdInput }))
    .output(documentViewOutput)
    .mutation(async ({ ctx, input }) => {
      const doc = await findDocumentForOwner(ctx.db, input.documentId, ctx.user.id)
      if (!doc) throw documentNotFound(input.documentId)
      try {
        return toDocumentView(await verifyUpload(ctx, doc))
      } catch (err) {
        throw toTRPCError(err)
      }
    }),
})
