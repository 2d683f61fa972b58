import { DOCUMENT_STATUSES, type DocumentView, UPLOAD_METHODS } from '@uplink/core'
import { z } from 'zod'

// Output schemas of the procedures exposed over OpenAPI (trpc-to-openapi needs a zod output to
// document a response). `satisfies` ties each one to the type the procedure really returns.

export const documentViewOutput = z
  .object({
    id: z.uuid(),
    purpose: z.string(),
    filename: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    status: z.enum(DOCUMENT_STATUSES),
    method: z.enum(UPLOAD_METHODS),
    createdAt: z.string().describe('ISO 8601'),
    confirmedAt: z.string().nullable(),
    rejectionReason: z.string().nullable(),
    sha256: z.string().nullable().describe('verified SHA-256 of the stored bytes, base64'),
    declaredSha256: z
      .string()
      .nullable()
      .describe('SHA-256 the client declared at upload, base64; equal to sha256 once verified'),
    scanNote: z.string().nullable(),
    video: z
      .object({
        durationSeconds: z.number(),
        width: z.number().int(),
        height: z.number().int(),
        videoCodec: z.string(),
        audioCodec: z.string().nullable(),
        bitrate: z.number().int().nullable().describe('bits per second'),
      })
      .nullable()
      .describe('what ffprobe found in a ready video; null otherwise'),
    posterUrl: z
      .string()
      .nullable()
      .describe('signed GET of the poster JPEG, minted for this response; never store it'),
  })
  .meta({ id: 'Document' }) satisfies z.ZodType<DocumentView>

export const presignPutOutput = z.object({
  documentId: z.uuid(),
  url: z.string().describe('signed S3 URL: PUT the bytes here; never store or log it'),
  method: z.literal('PUT'),
  headers: z
    .record(z.string(), z.string())
    .describe('send exactly these headers with the PUT: they are signed'),
  expiresAt: z.string(),
})

export const documentPageOutput = z.object({
  items: z.array(documentViewOutput),
  nextCursor: z.string().nullable(),
})

export const downloadUrlOutput = z.object({
  url: z.string().describe('signed S3 GET URL, valid for a short time; fetch a new one on 403'),
  expiresAt: z.string(),
  sha256: z.string().nullable(),
})

export const presignPostOutput = z.object({
  documentId: z.uuid(),
  url: z.string().describe('signed S3 form URL: POST a multipart/form-data body here'),
  fields: z
    .record(z.string(), z.string())
    .describe('send these form fields, in this order, before the `file` field: they are signed'),
  expiresAt: z.string(),
})

export const multipartCreateOutput = z.object({
  documentId: z.uuid(),
  uploadId: z.string().describe('the S3 UploadId (for information; every call names the document)'),
  partSize: z
    .number()
    .int()
    .describe('bytes per part; every part but the last has exactly this size'),
  partCount: z.number().int(),
  expiresAt: z.string().describe('when the pending upload is abandoned if not completed'),
})

const signedPart = z.object({
  partNumber: z.number().int(),
  url: z.string().describe('signed UploadPart URL: PUT the part here; never store or log it'),
  headers: z
    .record(z.string(), z.string())
    .describe('send exactly these headers with the PUT: they are signed; keep the ETag answered'),
})

export const signPartsOutput = z.object({
  parts: z.array(signedPart),
  expiresAt: z.string(),
})

export const listPartsOutput = z.object({
  parts: z.array(
    z.object({
      partNumber: z.number().int(),
      etag: z.string(),
      size: z.number().int(),
      sha256: z
        .string()
        .optional()
        .describe('base64 SHA-256 the store verified; resend the part if it is not yours'),
    }),
  ),
})
