import type { S3Client } from '@aws-sdk/client-s3'
import type { Logger } from 'pino'
import type { Metrics } from './registry.ts'

/**
 * Times every call of an S3 client (SDK retries included: the middleware sits at `initialize`,
 * outside the retry loop), counts failures by operation and error name, and logs each call at
 * debug (operation and time only: keys and URLs stay out of the log).
 */
export function instrumentS3Client(client: S3Client, metrics: Metrics, log: Logger): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'unknown').replace(/Command$/, '')
      const started = performance.now()
      try {
        const out = await next(args)
        const seconds = (performance.now() - started) / 1000
        metrics.s3Call(operation, seconds)
        log.debug({ s3: operation, ms: Math.round(seconds * 1000) }, 's3 call')
        return out
      } catch (err) {
        const name = err instanceof Error ? err.name : 'Error'
        const seconds = (performance.now() - started) / 1000
        metrics.s3Call(operation, seconds, name)
        log.debug({ s3: operation, ms: Math.round(seconds * 1000), error: name }, 's3 call failed')
        throw err
      }
    },
    { step: 'initialize', name: 'uplinkMetrics', override: true },
  )
}
