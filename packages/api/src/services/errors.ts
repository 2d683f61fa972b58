import { TRPCError } from '@trpc/server'
import { PolicyError, QuotaError, RateLimitedError } from '@uplink/core'
import { DocumentTransitionError, InvalidCursorError } from '@uplink/db'
import { NotDownloadableError } from './download-url.ts'
import { UploadMissingError, UploadRejectedError } from './verify-upload.ts'

/** The one answer for "no such document" and "not yours" alike (rule 1). */
export function documentNotFound(id: string): TRPCError {
  return new TRPCError({ code: 'NOT_FOUND', message: `document ${id} was not found` })
}

/** Maps domain errors to tRPC errors with messages a person can act on. */
export function toTRPCError(err: unknown): unknown {
  if (err instanceof TRPCError) return err
  if (
    err instanceof PolicyError ||
    err instanceof InvalidCursorError ||
    err instanceof RangeError
  ) {
    return new TRPCError({ code: 'BAD_REQUEST', message: err.message, cause: err })
  }
  if (err instanceof UploadRejectedError) {
    return new TRPCError({ code: 'BAD_REQUEST', message: err.message, cause: err })
  }
  if (err instanceof UploadMissingError || err instanceof NotDownloadableError) {
    return new TRPCError({ code: 'PRECONDITION_FAILED', message: err.message, cause: err })
  }
  // Quotas are standing limits (403); rate limits pass with time (429 + Retry-After).
  if (err instanceof QuotaError) {
    return new TRPCError({ code: 'FORBIDDEN', message: err.message, cause: err })
  }
  if (err instanceof RateLimitedError) {
    return new TRPCError({ code: 'TOO_MANY_REQUESTS', message: err.message, cause: err })
  }
  if (err instanceof DocumentTransitionError) {
    return new TRPCError({ code: 'CONFLICT', message: err.message, cause: err })
  }
  return err
}
