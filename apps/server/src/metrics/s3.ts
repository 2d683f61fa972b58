import type { S3Client } from '@aws-sdk/client-s3'
import type { Metrics } from './registry.ts'

/**
 * Times every call of an S3 client (SDK retries included: the middleware sits at `initialize`,
 * outside the retry loop) and counts failures by operation and error name.
 */
export function instrumentS3Client(client: S3Client, metrics: Metrics): void {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'unknown').replace(/Command$/, '')
      const started = performance.now()
      try {
        const out = await next(args)
        metrics.s3Call(operation, (performance.now() - started) / 1000)
        return out
      } catch (err) {
        const name = err instanceof Error ? err.name : 'Error'
        metrics.s3Call(operation, (performance.now() - started) / 1000, name)
        throw err
      }
    },
    { step: 'initialize', name: 'uplinkMetrics', override: true },
  )
}
