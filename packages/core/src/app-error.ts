import { isDependencyUnavailable } from './unavailable.ts'

/** tRPC's error codes used by the catalogue (core does not depend on @trpc/server). */
export type RpcCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_SUPPORTED'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNPROCESSABLE_CONTENT'
  | 'TOO_MANY_REQUESTS'
  | 'INTERNAL_SERVER_ERROR'
  | 'NOT_IMPLEMENTED'
  | 'SERVICE_UNAVAILABLE'

/**
 * One catalogue entry; `tusOnly` marks a tus status tRPC has no code for (410, 423, 460, 507),
 * `routeOnly` one that only an Express route answers (416).
 */
interface CatalogueEntry {
  status: number
  rpc: RpcCode
  message: string
  tusOnly?: true
  routeOnly?: true
}

/**
 * The one error catalogue: code → HTTP status → tRPC code → default message. The HTTP status is
 * the one tRPC sends for the tRPC code, so a route and a procedure answer the same error alike;
 * tus answers send the code in `Uplink-Error-Code`. A `tusOnly` code is answered on /files only
 * (its `rpc` is the nearest tRPC code, never sent).
 */
export const ERROR_CATALOGUE = {
  bad_input: { status: 400, rpc: 'BAD_REQUEST', message: 'the request is invalid' },
  policy_violation: { status: 400, rpc: 'BAD_REQUEST', message: 'the upload breaks its policy' },
  part_list_invalid: { status: 400, rpc: 'BAD_REQUEST', message: 'the part list is invalid' },
  not_multipart: { status: 400, rpc: 'BAD_REQUEST', message: 'not a multipart upload' },
  upload_rejected: { status: 400, rpc: 'BAD_REQUEST', message: 'the upload was rejected' },
  digest_conflict: {
    status: 400,
    rpc: 'BAD_REQUEST',
    message: 'this SHA-256 differs from the one already declared for the upload',
  },
  unauthorized: {
    status: 401,
    rpc: 'UNAUTHORIZED',
    message: 'send a valid bearer token in the Authorization header',
  },
  access_denied: { status: 403, rpc: 'FORBIDDEN', message: 'access denied' },
  quota_exceeded: { status: 403, rpc: 'FORBIDDEN', message: 'a quota refused this upload' },
  document_not_found: { status: 404, rpc: 'NOT_FOUND', message: 'document not found' },
  route_not_found: { status: 404, rpc: 'NOT_FOUND', message: 'no such route' },
  upload_not_found: { status: 404, rpc: 'NOT_FOUND', message: 'upload not found' },
  method_not_allowed: {
    status: 405,
    rpc: 'METHOD_NOT_SUPPORTED',
    message: 'this method is not allowed here',
  },
  state_conflict: { status: 409, rpc: 'CONFLICT', message: 'the document changed state' },
  offset_mismatch: {
    status: 409,
    rpc: 'CONFLICT',
    message: 'Upload-Offset does not match the upload; HEAD it and resume from its Upload-Offset',
  },
  upload_gone: {
    status: 410,
    rpc: 'NOT_FOUND',
    tusOnly: true,
    message: 'this upload has expired or was removed; start a new upload',
  },
  upload_finished: {
    status: 410,
    rpc: 'NOT_FOUND',
    tusOnly: true,
    message: 'this upload is complete and no longer on /files; its document is unaffected',
  },
  upload_missing: {
    status: 412,
    rpc: 'PRECONDITION_FAILED',
    message: 'no object has been uploaded yet',
  },
  not_in_progress: {
    status: 412,
    rpc: 'PRECONDITION_FAILED',
    message: 'the document is not an upload in progress',
  },
  tus_version_unsupported: {
    status: 412,
    rpc: 'PRECONDITION_FAILED',
    message: 'send Tus-Resumable: 1.0.0',
  },
  not_downloadable: {
    status: 412,
    rpc: 'PRECONDITION_FAILED',
    message: 'the document cannot be downloaded yet',
  },
  range_not_satisfiable: {
    status: 416,
    rpc: 'BAD_REQUEST',
    routeOnly: true,
    message: 'the Range is outside the document',
  },
  content_too_large: {
    status: 413,
    rpc: 'PAYLOAD_TOO_LARGE',
    message: 'the upload is larger than its purpose allows',
  },
  content_type_required: {
    status: 415,
    rpc: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'send Content-Type: application/offset+octet-stream',
  },
  type_not_allowed: {
    status: 415,
    rpc: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'this file type is not allowed for the purpose',
  },
  content_rejected: {
    status: 422,
    rpc: 'UNPROCESSABLE_CONTENT',
    message: 'the inspection rejected the upload',
  },
  upload_locked: {
    status: 423,
    rpc: 'CONFLICT',
    tusOnly: true,
    message: 'another request is still working on this upload; retry shortly',
  },
  rate_limited: { status: 429, rpc: 'TOO_MANY_REQUESTS', message: 'too many uploads started' },
  checksum_mismatch: {
    status: 460,
    rpc: 'BAD_REQUEST',
    tusOnly: true,
    message: 'Checksum Mismatch: resend these bytes from the same Upload-Offset',
  },
  internal_error: {
    status: 500,
    rpc: 'INTERNAL_SERVER_ERROR',
    message: 'internal error',
  },
  not_supported: {
    status: 501,
    rpc: 'NOT_IMPLEMENTED',
    message: 'this tus extension is not supported',
  },
  gallery_not_configured: {
    status: 501,
    rpc: 'NOT_IMPLEMENTED',
    message:
      'gallery access is not configured: set UPLINK_CDN_URL, UPLINK_CLOUDFRONT_KEY_PAIR_ID and UPLINK_CLOUDFRONT_PRIVATE_KEY',
  },
  unavailable: {
    status: 503,
    rpc: 'SERVICE_UNAVAILABLE',
    message: 'storage or database is unavailable right now; retry in a few seconds',
  },
  scanner_unavailable: {
    status: 503,
    rpc: 'SERVICE_UNAVAILABLE',
    message: 'the virus scanner is unavailable, so the upload was not accepted; retry later',
  },
  insufficient_storage: {
    status: 507,
    rpc: 'SERVICE_UNAVAILABLE',
    tusOnly: true,
    message: 'the server has no disk space to buffer this upload right now; retry later',
  },
} as const satisfies Record<string, CatalogueEntry>

export type ErrorCode = keyof typeof ERROR_CATALOGUE

/** How long a client should wait after a 503 for a dependency outage (Retry-After). */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5

/**
 * The one error class domain code throws: a catalogue `code` and a message a person can act on.
 * `retryAfterSeconds` becomes a Retry-After header (429, 503).
 */
export class AppError extends Error {
  override readonly name: string = 'AppError'
  constructor(
    readonly code: ErrorCode,
    message: string = ERROR_CATALOGUE[code].message,
    options?: { cause?: unknown; retryAfterSeconds?: number | undefined },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds
  }
  retryAfterSeconds: number | undefined

  /** The HTTP status of this error's code. */
  get status(): number {
    return ERROR_CATALOGUE[this.code].status
  }
}

/** True when `err` is a catalogue error (of `code`, when given). */
export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code)
}

/** The one answer for "no such document" and "not yours" alike (rule 1). */
export function documentNotFound(id: string): AppError {
  return new AppError('document_not_found', `document ${id} was not found`)
}

/**
 * The catalogue error for anything thrown: catalogue errors as they are, a dependency outage
 * as `unavailable` (503 + Retry-After), a RangeError (bad numbers) as `bad_input`; undefined
 * for anything else (an unexpected failure: 500, details only in the log).
 */
export function toAppError(err: unknown): AppError | undefined {
  if (err instanceof AppError) return err
  if (isDependencyUnavailable(err)) {
    return new AppError('unavailable', undefined, {
      cause: err,
      retryAfterSeconds: UNAVAILABLE_RETRY_AFTER_SECONDS,
    })
  }
  if (err instanceof RangeError) return new AppError('bad_input', err.message, { cause: err })
  return undefined
}
