/** Socket and Postgres error codes that mean "the dependency is down", not "the input is bad". */
const DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  '57P01', // admin_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08006',
])
const DOWN_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/

/**
 * True when `err` (or one of its causes) says Postgres or S3 could not be reached: the request
 * may succeed later, so the client gets 503 + Retry-After instead of a 500.
 */
export function isDependencyUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 6; depth++) {
    const { code, message, $metadata, name } = e as {
      code?: string
      message?: string
      name?: string
      $metadata?: { httpStatusCode?: number }
    }
    if (code && DOWN_CODES.has(code)) return true
    if (message && DOWN_MESSAGES.test(message)) return true
    if ($metadata?.httpStatusCode === 503 || name === 'TimeoutError') return true
    e = (e as { cause?: unknown }).cause
  }
  return false
}
