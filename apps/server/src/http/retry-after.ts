import type { TRPCError } from '@trpc/server'
import { AppError } from '@uplink/core'

/**
 * "Retry-After" for a tRPC answer: 5 s when a dependency is down (503), the limiter's wait
 * when rate-limited (429), the longest if a batch holds several; undefined otherwise.
 */
export function retryAfterSeconds(errors: readonly TRPCError[]): number | undefined {
  let seconds: number | undefined
  for (const e of errors) {
    const wait =
      e.code === 'SERVICE_UNAVAILABLE'
        ? 5
        : e.cause instanceof AppError
          ? e.cause.retryAfterSeconds
          : undefined
    if (wait !== undefined) seconds = Math.max(seconds ?? 0, wait)
  }
  return seconds
}
