import pino, { type DestinationStream, type Logger } from 'pino'
import { currentRequestId } from './correlation.ts'

const SIGNED_URL = /(https?:\/\/[^\s"'?]+)\?[^\s"']*X-Amz-(Signature|Credential)[^\s"']*/gi

/** Cuts the query string off any signed URL in a string (rule 2: never log a signed URL). */
export function redactSignedUrls(text: string): string {
  return text.replace(SIGNED_URL, '$1?[redacted]')
}

function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSignedUrls(value)
  if (depth > 6 || value === null || typeof value !== 'object') return value
  if (value instanceof Error) {
    return {
      type: value.name,
      message: redactSignedUrls(value.message),
      stack: value.stack && redactSignedUrls(value.stack),
    }
  }
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = redactDeep(v, depth + 1)
  return out
}

/**
 * The process logger: JSON lines (pass a pino-pretty stream in development); each carries the
 * current correlation id as `reqId` and passes through the signed-URL redactor.
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      mixin() {
        const reqId = currentRequestId()
        return reqId ? { reqId } : {}
      },
      formatters: { log: (obj) => redactDeep(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? redactSignedUrls(a) : a)) as Parameters<
              typeof method
            >,
          )
        },
      },
    },
    destination,
  )
}
