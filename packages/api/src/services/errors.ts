import { TRPCError } from '@trpc/server'
import { PolicyError } from '@uplink/core'
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
  if (err instanceof DocumentTransitionError) {
    return new TRPCError({ code: 'CONFLICT', message: err.message, cause: err })
  }
  return err
}
