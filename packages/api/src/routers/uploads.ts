import {
  AppError,
  documentIdInput,
  documentNotFound,
  isSyncInspected,
  sha256Input,
  uploadRequestInput,
} from '@uplink/core'
import { uploadKey } from '@uplink/core/object-key'
import { findDocumentForOwner } from '@uplink/db'
import { createPendingUpload, toDocumentView, verifyUpload } from '@uplink/uploads'
import { z } from 'zod'
import { documentViewOutput, presignPostOutput, presignPutOutput } from '../openapi.ts'
import { protectedProcedure, router } from '../trpc.ts'

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
      // Every field below is the server's own (its id, its signed URL): not parsed again on
      // the one-call path (apps/server trpc-call-chain.ts); its type is checked at build.
      serverBuiltOutput: true,
    })
    .input(uploadRequestInput.extend({ sha256: sha256Input.optional() }))
    .output(presignPutOutput)
    .mutation(async ({ ctx, input }) => {
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
      } satisfies z.output<typeof presignPutOutput>
    }),

  /** Step 1 of a browser form POST: a policy with exact Content-Type and length range, for the staging key. */
  presignPost: protectedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/uploads/presign-post',
        tags: ['uploads'],
        summary: 'Start a browser form upload: a pending document and a signed POST policy',
      },
    })
    .input(uploadRequestInput)
    .output(presignPostOutput)
    .mutation(async ({ ctx, input }) => {
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
      // Its bytes are still passing through the inspector: only that upload may settle it.
      if (doc.status === 'pending' && isSyncInspected(ctx.policies, doc.purpose)) {
        throw new AppError(
          'state_conflict',
          `document ${doc.id} is inspected synchronously; its POST /documents or tus upload settles it, not confirm`,
        )
      }
      return toDocumentView(await verifyUpload(ctx, doc))
    }),
})
