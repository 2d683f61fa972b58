import { ERRORS } from '@tus/utils'
import { AppError, type ErrorCode } from '@uplink/core'
import { TusError, tusError } from './errors.ts'

type TusServerError = keyof typeof ERRORS

/**
 * @tus/server's own errors as catalogue codes, each with the status @tus/server sends (the
 * two 403s are refused by UplinkTusServer before @tus/server sees the request: 400 and 415).
 */
export const TUS_SERVER_ERROR_CODES: Record<TusServerError, ErrorCode> = {
  MISSING_OFFSET: 'bad_input',
  // Stopped because another request took the lock over, or the lock session was lost: the
  // upload is fine, so answer a status tus clients retry (tus-js-client retries 409 and 423).
  ABORTED: 'upload_locked',
  INVALID_TERMINATION: 'bad_input',
  ERR_LOCK_TIMEOUT: 'internal_error',
  INVALID_CONTENT_TYPE: 'content_type_required',
  FILE_NOT_FOUND: 'upload_not_found',
  INVALID_OFFSET: 'offset_mismatch',
  FILE_NO_LONGER_EXISTS: 'upload_gone',
  ERR_SIZE_EXCEEDED: 'content_too_large',
  ERR_MAX_SIZE_EXCEEDED: 'content_too_large',
  INVALID_LENGTH: 'bad_input',
  INVALID_METADATA: 'bad_input',
  UNKNOWN_ERROR: 'internal_error',
  FILE_WRITE_ERROR: 'internal_error',
  UNSUPPORTED_CONCATENATION_EXTENSION: 'not_supported',
  UNSUPPORTED_CREATION_DEFER_LENGTH_EXTENSION: 'not_supported',
  UNSUPPORTED_EXPIRATION_EXTENSION: 'not_supported',
}

const byError = new Map<unknown, ErrorCode>(
  Object.entries(ERRORS).map(([name, err]) => [
    err,
    TUS_SERVER_ERROR_CODES[name as TusServerError],
  ]),
)

/**
 * The catalogue answer for an error whose answer is known: a tus refusal as it is, any other
 * catalogue error with its code and message, and @tus/server's own errors with their code and
 * body. Undefined: an outage or an unexpected failure (see outageAnswer).
 */
export function knownAnswer(err: unknown): TusError | undefined {
  if (err instanceof TusError) return err
  if (err instanceof AppError) {
    const headers =
      err.retryAfterSeconds === undefined
        ? undefined
        : { 'Retry-After': String(err.retryAfterSeconds) }
    return tusError(err.code, err.message, headers)
  }
  if (err === ERRORS.ABORTED) return abortedAnswer()
  const code = byError.get(err)
  if (code === undefined) return undefined
  return tusError(code, (err as { body: string }).body.trimEnd())
}

/**
 * A PATCH stopped to hand its lock over (or because its lock was lost): 423, which tus-js-client
 * retries with a HEAD and a PATCH from the stored offset. A 400 would end the upload for good.
 */
function abortedAnswer(): TusError {
  return tusError(
    'upload_locked',
    'another request took this upload over (or its lock was lost); resume from the offset a HEAD reports',
    { 'Retry-After': '1' },
  )
}

/** Codes for the answers @tus/server writes itself, without an error (bad header values, no such method). */
const WRITTEN_CODES: Record<number, ErrorCode> = {
  400: 'bad_input',
  404: 'route_not_found',
  412: 'tus_version_unsupported',
}

/** The code for an error answer that carries none, by its status. */
export function codeForStatus(status: number): ErrorCode {
  return WRITTEN_CODES[status] ?? (status >= 500 ? 'internal_error' : 'bad_input')
}
