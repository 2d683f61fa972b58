import {
  AppError,
  documentIdInput,
  documentNotFound,
  expectedPartSize,
  MULTIPART_LIMITS,
  planParts,
  sha256Input,
  textInput,
  uploadRequestInput,
} from '@uplink/core'
import { setUploadRef, transitionDocument } from '@uplink/db'
import { isNoSuchUpload } from '@uplink/storage'
import {
  checkPartList,
  checkSignRequest,
  createPendingUpload,
  declareFinalSha256,
  MULTIPART_ROW_TTL_SECONDS,
  ownMultipart,
  pendingMultipart,
  plan,
  toDocumentView,
  verifyUpload,
} from '@uplink/uploads'
import { z } from 'zod'
import {
  documentViewOutput,
  listPartsOutput,
  multipartCreateOutput,
  signPartsOutput,
} from '../openapi.ts'
import { protectedProcedure, router } from '../trpc.ts'

const byDocument = z.object({ documentId: documentIdInput })

/**
 * Presigned multipart upload straight to S3 (pattern B for large files). The shapes map onto
 * `@uppy/aws-s3` (v5) multipart callbacks, with Uppy's `key` carrying our `documentId`:
 * - `createMultipartUpload(file)` → `create({ purpose, filename: file.name, contentType: file.type,
 *   size: file.size, sha256? })`, return `{ uploadId, key: documentId }`; `getChunkSize` must
 *   return the same `partSize` (16 MiB, grown to whole MiB so that there are ≤ 10,000 parts).
 * - `signPart(file, { key, partNumber, body })` → `signParts({ documentId: key, parts: [{ partNumber,
 *   sha256: base64 SHA-256 of body }] })`, return `{ method: 'PUT', url: parts[0].url,
 *   headers: parts[0].headers }`: the part's checksum and size are signed, so S3 refuses
 *   any other bytes.
 * - `listParts(file, { key })` → `listParts({ documentId: key })`, map each part whose `sha256`
 *   matches the local chunk to `{ PartNumber: partNumber, ETag: etag, Size: size }` (drop the
 *   others: Uppy sends them again).
 * - `completeMultipartUpload(file, { key, parts })` → `complete({ documentId: key, parts: parts.map(
 *   (p) => ({ partNumber: p.PartNumber, etag: p.ETag })), sha256? })`, return `{}`: the whole
 *   file's SHA-256 may be declared here, hashed alongside the parts, instead of at create.
 * - `abortMultipartUpload(file, { key })` → `abort({ documentId: key })`.
 * The bucket's CORS must allow `x-amz-checksum-sha256` and expose `ETag` (`configureBucketCors`).
 */
export const multipartRouter = router({
  /**
   * Checks the policy, starts the S3 multipart upload (SHA-256 per part unless checksums are
   * off) and creates the pending row, with the optional whole-file `sha256` the client declares.
   */
  create: protectedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/uploads/multipart',
        tags: ['multipart'],
        summary: 'Start a multipart upload: a pending document, its part size and count',
      },
    })
    .input(uploadRequestInput.extend({ sha256: sha256Input.optional() }))
    .output(multipartCreateOutput)
    .mutation(async ({ ctx, input }) => {
      const parts = planParts(input.size)
      const doc = await createPendingUpload(
        ctx,
        input,
        'multipart',
        null,
        MULTIPART_ROW_TTL_SECONDS,
      )
      let uploadId: string
      try {
        uploadId = await ctx.storage.multipart.create({
          key: doc.objectKey,
          contentType: doc.contentType,
        })
        await setUploadRef(ctx.db, doc.id, uploadId)
      } catch (err) {
        await transitionDocument(ctx.db, doc.id, { to: 'deleted', from: ['pending'] })
        throw err
      }
      return {
        documentId: doc.id,
        uploadId,
        partSize: parts.partSize,
        partCount: parts.partCount,
        expiresAt: (doc.expiresAt ?? new Date()).toISOString(),
      }
    }),

  /**
   * Short-lived UploadPart URLs for up to 100 parts, each with its size (from the part plan)
   * and SHA-256 signed: PUT each part's bytes with the returned headers, keep the ETag.
   */
  signParts: protectedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/uploads/multipart/{documentId}/sign-parts',
        tags: ['multipart'],
        summary: 'Signed URLs for up to 100 parts, each with its size and SHA-256 signed',
      },
    })
    .input(
      byDocument.extend({
        parts: z
          .array(
            z.object({
              partNumber: z.number().int('part numbers are whole numbers'),
              sha256: sha256Input.optional(),
            }),
          )
          .min(1, 'ask for at least one part')
          .max(100, 'ask for at most 100 parts at a time'),
      }),
    )
    .output(signPartsOutput)
    .mutation(async ({ ctx, input }) => {
      const doc = await pendingMultipart(ctx, input.documentId)
      const partPlan = plan(doc)
      checkSignRequest(partPlan, input.parts, ctx.storage.checksums)
      const signed = await Promise.all(
        input.parts.map(async ({ partNumber, sha256 }) => {
          const signed = await ctx.storage.multipart.presignPart({
            key: doc.objectKey,
            uploadId: doc.uploadRef,
            partNumber,
            size: expectedPartSize(partPlan, partNumber),
            sha256,
            expiresInSeconds: ctx.expiries.upload,
          })
          return {
            partNumber,
            url: signed.url,
            headers: signed.headers,
            expiresAt: signed.expiresAt,
          }
        }),
      )
      // The earliest: temporary credentials cap each URL at their own expiration.
      const expiresAt = Math.min(...signed.map((part) => part.expiresAt.getTime()))
      const parts = signed.map(({ partNumber, url, headers }) => ({ partNumber, url, headers }))
      return { parts, expiresAt: new Date(expiresAt).toISOString() }
    }),

  /**
   * The parts S3 already holds (all pages), with the SHA-256 S3 verified for each (when
   * checksums are on): a resumed upload skips only those matching its own bytes.
   */
  listParts: protectedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/uploads/multipart/{documentId}/parts',
        tags: ['multipart'],
        summary: 'The parts the store holds (to resume after a crash)',
      },
    })
    .input(byDocument)
    .output(listPartsOutput)
    .query(async ({ ctx, input }) => {
      const doc = await pendingMultipart(ctx, input.documentId)
      const parts = await ctx.storage.multipart.listParts({
        key: doc.objectKey,
        uploadId: doc.uploadRef,
      })
      return { parts }
    }),

  /**
   * Records the whole file's `sha256` when sent (as tus's Repr-Digest: another digest than one
   * declared at create is `digest_conflict`), checks the part list against ListParts (ETag,
   * size and, when sent, SHA-256), completes with the checksums S3 holds, then verifies with
   * HeadObject (rule 6); the content check compares the bytes with the declared SHA-256. A bad
   * list is a BAD_REQUEST naming the part and aborts nothing. Idempotent.
   */
  complete: protectedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/uploads/multipart/{documentId}/complete',
        tags: ['multipart'],
        summary: 'Complete the upload: the parts are checked, joined and the object verified',
      },
    })
    .input(
      byDocument.extend({
        parts: z
          .array(
            z.object({
              partNumber: z.number().int(),
              etag: textInput('etag').min(1).max(200),
              sha256: sha256Input.optional(),
            }),
          )
          .min(1, 'send at least one part')
          .max(MULTIPART_LIMITS.maxParts),
        /** The whole file's SHA-256 (base64), hashed while the parts went up. */
        sha256: sha256Input.optional(),
      }),
    )
    .output(documentViewOutput)
    .mutation(async ({ ctx, input }) => {
      let current = await ownMultipart(ctx, input.documentId)
      // Declared before anything is verified, so the content check compares the bytes with it.
      if (input.sha256) current = await declareFinalSha256(ctx.db, current, input.sha256)
      if (current.status !== 'pending') return toDocumentView(await verifyUpload(ctx, current))
      const doc = await pendingMultipart(ctx, input.documentId)
      const upload = { key: doc.objectKey, uploadId: doc.uploadRef }
      const stored = await ctx.storage.multipart.listParts(upload).catch((err: unknown) => {
        // Completed by an earlier call that died before the row moved: HeadObject decides.
        if (isNoSuchUpload(err)) return undefined
        throw err
      })
      if (stored) {
        const parts = checkPartList(plan(doc), input.parts, stored)
        await ctx.storage.multipart.complete({ ...upload, parts })
      }
      return toDocumentView(await verifyUpload(ctx, doc))
    }),

  /** Aborts the S3 upload (its parts are freed) and marks the row `deleted`. */
  abort: protectedProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/uploads/multipart/{documentId}',
        tags: ['multipart'],
        summary: 'Abort the upload: its parts are freed and the document deleted',
      },
    })
    .input(byDocument)
    .output(documentViewOutput)
    .mutation(async ({ ctx, input }) => {
      const doc = await ownMultipart(ctx, input.documentId)
      if (doc.status !== 'pending') {
        throw new AppError(
          'not_in_progress',
          `document ${doc.id} is ${doc.status}, not an upload in progress; delete it with documents.delete`,
        )
      }
      if (doc.uploadRef) {
        await ctx.storage.multipart.abort({ key: doc.objectKey, uploadId: doc.uploadRef })
      }
      const deleted = await transitionDocument(ctx.db, doc.id, {
        to: 'deleted',
        from: ['pending'],
        ownerId: ctx.user.id,
      })
      if (!deleted) throw documentNotFound(doc.id)
      return toDocumentView(deleted)
    }),
})
