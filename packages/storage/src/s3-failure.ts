import { S3ServiceException } from '@aws-sdk/client-s3'
import { xmlValue } from './s3-xml.ts'

/** What the SDK puts on every answer and failure (`$metadata`). */
export interface ResponseMetadata {
  httpStatusCode?: number | undefined
  requestId?: string | undefined
  extendedRequestId?: string | undefined
  attempts?: number | undefined
  totalRetryDelay?: number | undefined
}

/**
 * An S3 error answer as the AWS SDK throws it: `name` and `Code` the S3 error code
 * (`NoSuchUpload`, `NoSuchKey`, `BadDigest` …; a bodiless 404 to HEAD is `NotFound`),
 * `$metadata.httpStatusCode` and the request ids, `$fault` client or server. The store's
 * predicates (isNoSuchUpload, isNotFound, isChecksumRefusal …) read exactly these.
 */
export function s3Failure(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: string,
): S3ServiceException {
  const header = (name: string) => {
    const v = headers[name]
    return Array.isArray(v) ? v[0] : v
  }
  const bodyCode = xmlValue(body, 'Code')
  const code =
    bodyCode ?? header('x-amz-error-code') ?? (status === 404 ? 'NotFound' : String(status))
  const message = xmlValue(body, 'Message') ?? header('x-amz-error-message') ?? code
  const requestId = xmlValue(body, 'RequestId') ?? header('x-amz-request-id')
  const hostId = xmlValue(body, 'HostId') ?? header('x-amz-id-2')
  const err = new S3ServiceException({
    name: code,
    message,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId, extendedRequestId: hostId },
  })
  // The SDK copies the error body's fields onto the error; a bodiless answer (HEAD) has none.
  if (bodyCode === undefined) return err
  return Object.assign(err, {
    Code: bodyCode,
    Message: message,
    ...(requestId ? { RequestId: requestId } : {}),
    ...(hostId ? { HostId: hostId } : {}),
  })
}

// The AWS SDK's standard retry strategy, its classification (@smithy/service-error-classification).
const THROTTLING = new Set([
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ThrottledException',
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'TransactionInProgressException',
])
const TRANSIENT = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException'])
const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504])
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'])

/** Throttling answers back off from a longer base (the SDK's 500 ms instead of 100 ms). */
export function isThrottling(err: unknown): boolean {
  const { name, $metadata } = (err ?? {}) as S3ServiceException
  return THROTTLING.has(name) || $metadata?.httpStatusCode === 429
}

/** Worth another attempt, as the SDK decides: throttling, 5xx and timeouts, socket errors. */
export function isRetryable(err: unknown): boolean {
  const { name, code, $metadata } = (err ?? {}) as S3ServiceException & { code?: string }
  if (name === 'AbortError') return false
  if (code && NETWORK.has(code)) return true
  if (isThrottling(err) || TRANSIENT.has(name)) return true
  return TRANSIENT_STATUS.has($metadata?.httpStatusCode ?? 0)
}
