import { TRPCClientError } from '@trpc/client'
import { parseRetryAfter } from '@uplink/core'

/** What went wrong, in a form a program can branch on. */
export type UplinkErrorCode =
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_REQUEST'
  | 'PRECONDITION_FAILED'
  | 'CONFLICT'
  | 'TOO_LARGE'
  | 'REJECTED'
  | 'NETWORK'
  | 'ABORTED'
  | 'SERVER'
  | 'INVALID_SOURCE'
  | 'INTEGRITY'

const HINTS: Record<UplinkErrorCode, string> = {
  UNAUTHORIZED:
    'check the token (UPLINK_TOKEN): it is missing, expired or not valid for this server',
  FORBIDDEN: 'the signed URL was refused; ask for a fresh one',
  NOT_FOUND: 'check the document id; documents of other users are not visible',
  BAD_REQUEST: 'fix the input named in the message',
  PRECONDITION_FAILED: 'the document is not in a state that allows this',
  CONFLICT: 'the document changed meanwhile; fetch it again',
  TOO_LARGE: 'the file is over the limit for this purpose',
  REJECTED:
    'the server inspected the file and refused it for the reason in the message; sending it again will not help',
  NETWORK: 'check the server URL (UPLINK_URL) and the network, then try again',
  ABORTED: 'run the same upload again to resume it',
  SERVER: 'the server failed; try again later',
  INVALID_SOURCE: 'pass a path, Buffer, Blob, or a Readable with its size',
  INTEGRITY:
    'the bytes differ from the ones Uplink verified: the stored object was changed or damaged; do not use them and report it',
}

/** Every failure of the client: a `code`, a message that says what happened, and a `hint`. */
export class UplinkError extends Error {
  override readonly name = 'UplinkError'
  /** What to do about it, in one line. */
  readonly hint: string
  /** The HTTP status behind the error, when there was one. */
  readonly status: number | undefined
  /** The server's Retry-After (429, 503) in milliseconds, when it sent one. */
  readonly retryAfterMs: number | undefined
  /** True when S3 answered (a presigned PUT or part), not Uplink's server. */
  readonly fromStorage: boolean
  constructor(
    readonly code: UplinkErrorCode,
    message: string,
    options: {
      cause?: unknown
      status?: number | undefined
      retryAfterMs?: number | undefined
      fromStorage?: boolean
    } = {},
  ) {
    super(message, { cause: options.cause })
    this.hint = HINTS[code]
    this.status = options.status
    this.retryAfterMs = options.retryAfterMs
    this.fromStorage = options.fromStorage ?? false
  }
}

const TRPC_CODES: Record<string, UplinkErrorCode> = {
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_REQUEST: 'BAD_REQUEST',
  PARSE_ERROR: 'BAD_REQUEST',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  CONFLICT: 'CONFLICT',
  PAYLOAD_TOO_LARGE: 'TOO_LARGE',
  UNPROCESSABLE_CONTENT: 'REJECTED',
  CLIENT_CLOSED_REQUEST: 'ABORTED',
}

/** True for an AbortSignal's rejection, whatever wrapped it. */
export function isAbort(err: unknown): boolean {
  for (let e = err; e; e = (e as { cause?: unknown }).cause) {
    const name = (e as { name?: string }).name
    if (name === 'AbortError' || (e instanceof UplinkError && e.code === 'ABORTED')) return true
    if (e === (e as { cause?: unknown }).cause) break
  }
  return false
}

/** Turns anything thrown by tRPC, fetch or the file system into an UplinkError. */
export function toUplinkError(err: unknown): UplinkError {
  if (err instanceof UplinkError) return err
  if (isAbort(err)) return new UplinkError('ABORTED', 'the operation was cancelled', { cause: err })
  if (err instanceof TRPCClientError) {
    const data = err.data as { code?: string; httpStatus?: number } | undefined
    const code = data?.code ? TRPC_CODES[data.code] : undefined
    const response = (err.meta as { response?: { headers?: Headers } } | undefined)?.response
    const retryAfterMs = parseRetryAfter(response?.headers?.get('retry-after'))
    if (code) {
      return new UplinkError(code, err.message, {
        cause: err,
        status: data?.httpStatus,
        retryAfterMs,
      })
    }
    if (!data) {
      return new UplinkError('NETWORK', `cannot reach the server: ${causeMessage(err)}`, {
        cause: err,
      })
    }
    return new UplinkError('SERVER', err.message, {
      cause: err,
      status: data.httpStatus,
      retryAfterMs,
    })
  }
  if (err instanceof TypeError && /fetch failed/i.test(err.message)) {
    return new UplinkError('NETWORK', `network error: ${causeMessage(err)}`, { cause: err })
  }
  const code = (err as { code?: string }).code
  if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES') {
    return new UplinkError('INVALID_SOURCE', (err as Error).message, { cause: err })
  }
  return new UplinkError('SERVER', err instanceof Error ? err.message : String(err), { cause: err })
}

/** The innermost message, e.g. `connect ECONNREFUSED 127.0.0.1:1`. */
function causeMessage(err: unknown): string {
  let e = err as { message?: string; cause?: unknown }
  while (e.cause && typeof e.cause === 'object') e = e.cause as typeof e
  return e.message ?? String(err)
}

/** The error code for an HTTP status (422: the server's inspection refused the content). */
export function codeForStatus(status: number): UplinkErrorCode {
  return status === 401
    ? 'UNAUTHORIZED'
    : status === 403
      ? 'FORBIDDEN'
      : status === 404
        ? 'NOT_FOUND'
        : status === 413
          ? 'TOO_LARGE'
          : status === 422
            ? 'REJECTED'
            : status >= 500
              ? 'SERVER'
              : 'BAD_REQUEST'
}

/** Maps an HTTP status from S3 (or our server) to an UplinkError, with its Retry-After if any. */
export function httpError(status: number, what: string, retryAfter?: string | null): UplinkError {
  return new UplinkError(codeForStatus(status), `${what} failed with HTTP ${status}`, {
    status,
    retryAfterMs: parseRetryAfter(retryAfter),
  })
}

/** Maps S3's answer to a presigned upload (PUT or part) to an UplinkError retried as S3's. */
export function storageError(
  status: number,
  what: string,
  retryAfter?: string | null,
): UplinkError {
  return new UplinkError(codeForStatus(status), `${what} failed with HTTP ${status}`, {
    status,
    fromStorage: true,
    retryAfterMs: parseRetryAfter(retryAfter),
  })
}
