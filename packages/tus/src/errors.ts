/** What tus hooks throw to reject a request: @tus/server sends `status_code` and `body` as they are. */
export interface TusError {
  status_code: number
  body: string
  /** Headers for the answer (e.g. Retry-After); UplinkTusServer adds them. */
  headers?: Record<string, string>
}

/** A rejection a person can act on; the body ends with a newline like @tus/server's own. */
export function tusError(
  status: number,
  message: string,
  headers?: Record<string, string>,
): TusError {
  return { status_code: status, body: `${message}\n`, ...(headers ? { headers } : {}) }
}

export function isTusError(err: unknown): err is TusError {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as TusError).status_code === 'number' &&
    typeof (err as TusError).body === 'string'
  )
}

/** The same answer for "no such upload" and "not yours" (docs/architecture.md, security rule 1). */
export const NOT_FOUND = tusError(404, 'upload not found')

/** "The Server SHOULD respond with 410 Gone if it is keeping track of expired uploads." */
export const GONE = tusError(410, 'this upload has expired or was removed; start a new upload')

/** A finished upload freed by a tus DELETE or by cleanupExpired; its document is not affected. */
export const FREED = tusError(
  410,
  'this upload is complete and no longer on /files; its document is unaffected (documents.byId shows it)',
)

export const UNAUTHORIZED = tusError(
  401,
  'a valid bearer token is required (Authorization: Bearer <token>)',
)
