import { AppError, type ErrorCode } from '@uplink/core'

/** The header carrying the catalogue code of every tus error answer, for programs to match. */
export const ERROR_CODE_HEADER = 'Uplink-Error-Code'

/**
 * A catalogue error as a tus answer: @tus/server sends `status_code` and `body` as they are, and
 * UplinkTusServer adds the code header and `headers`. The body is plain text a person can act on.
 */
export class TusError extends AppError {
  override readonly name = 'TusError'
  readonly status_code: number
  readonly body: string
  /** Headers for the answer (e.g. Retry-After); UplinkTusServer adds them. */
  readonly headers: Record<string, string> | undefined

  constructor(code: ErrorCode, message?: string, headers?: Record<string, string>) {
    super(code, message)
    this.status_code = this.status
    // The body ends with a newline like @tus/server's own.
    this.body = `${this.message}\n`
    this.headers = headers
  }
}

/** A tus refusal from the catalogue: `code` sets the status, `message` the body. */
export function tusError(
  code: ErrorCode,
  message?: string,
  headers?: Record<string, string>,
): TusError {
  return new TusError(code, message, headers)
}

export function isTusError(err: unknown): err is TusError {
  return err instanceof TusError
}

/** The same answer for "no such upload" and "not yours" (docs/architecture.md, security rule 1). */
export const NOT_FOUND = tusError('upload_not_found')

/** "The Server SHOULD respond with 410 Gone if it is keeping track of expired uploads." */
export const GONE = tusError('upload_gone')

/** A finished upload freed by a tus DELETE or by cleanupExpired; its document is not affected. */
export const FREED = tusError(
  'upload_finished',
  'this upload is complete and no longer on /files; its document is unaffected (documents.byId shows it)',
)

export const UNAUTHORIZED = tusError(
  'unauthorized',
  'a valid bearer token is required (Authorization: Bearer <token>)',
)
