import type { TRPCError } from '@trpc/server'
import {
  describeIssues,
  ERROR_CATALOGUE,
  type ErrorBody,
  type ErrorCode,
  toAppError,
  toErrorIssues,
} from '@uplink/core'
import { ZodError } from 'zod'

/** Catalogue codes for the errors tRPC raises itself (no catalogue error as their cause). */
const TRPC_OWN: Partial<Record<TRPCError['code'], ErrorCode>> = {
  PARSE_ERROR: 'bad_input',
  BAD_REQUEST: 'bad_input',
  NOT_FOUND: 'route_not_found',
  METHOD_NOT_SUPPORTED: 'method_not_allowed',
  PAYLOAD_TOO_LARGE: 'content_too_large',
  UNSUPPORTED_MEDIA_TYPE: 'content_type_required',
  UNAUTHORIZED: 'unauthorized',
  TOO_MANY_REQUESTS: 'rate_limited',
  SERVICE_UNAVAILABLE: 'unavailable',
}

/**
 * The one error body (`@uplink/core` errorBody) for a tRPC error: its catalogue code and message,
 * the input issues of a bad input, and the request id. Unexpected failures say only
 * `internal error` (the details are in the log).
 */
export function toErrorBody(error: TRPCError, requestId: string | undefined): ErrorBody {
  const body = (code: ErrorCode, message: string): ErrorBody => ({
    code,
    message,
    requestId: requestId ?? '',
  })
  if (error.cause instanceof ZodError) {
    const issues = toErrorIssues(error.cause.issues)
    return { ...body('bad_input', describeIssues(issues)), issues }
  }
  const appError = toAppError(error.cause)
  if (appError) {
    return appError.code === 'internal_error'
      ? body('internal_error', ERROR_CATALOGUE.internal_error.message)
      : body(appError.code, appError.message)
  }
  const code = TRPC_OWN[error.code]
  return code
    ? body(code, error.message)
    : body('internal_error', ERROR_CATALOGUE.internal_error.message)
}
