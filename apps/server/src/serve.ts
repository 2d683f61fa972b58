import type { Server } from 'node:http'
import type { Logger } from 'pino'
import { createApp } from './app.ts'
import { trackConnections } from './http/connections.ts'
import { serveMetrics } from './metrics/route.ts'
import type { Services } from './services.ts'

/**
 * Listens, and shuts down cleanly on SIGINT/SIGTERM: stop accepting, let requests finish
 * (bounded), then close the database and anything else in `onClose`.
 */
export async function serve(
  services: Services,
  options: {
    host: string
    port: number
    log: Logger
    onClose?: () => Promise<void>
    /** Install SIGINT/SIGTERM handlers (off in tests). */
    handleSignals?: boolean
    /** Close connections that move no bytes for this long (default 60 s). */
    idleTimeoutSeconds?: number
    /**
     * On SIGTERM, answer `/readyz` with 503 for this long before closing the listener, so the
     * balancer's health check takes the instance out first (default 0).
     */
    drainDelaySeconds?: number
    /** Then requests in flight get this long to finish before connections are cut (default 10). */
    drainTimeoutSeconds?: number
    /** Serve `/metrics` on this port too (UPLINK_METRICS_PORT), same host. */
    metricsPort?: number | undefined
  },
): Promise<Server> {
  let closing = false
  const app = createApp({ ...services, draining: () => closing })
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port, options.host, (err?: Error) =>
      err ? reject(err) : resolve(s),
    )
  })
  const metricsServer =
    options.metricsPort !== undefined
      ? await serveMetrics(services.metrics, options.host, options.metricsPort)
      : undefined
  server.on('close', () => metricsServer?.close())
  const connections = trackConnections(server)
  // Uploads are long: no overall request timeout. But headers must arrive promptly, and a
  // connection that moves no bytes (a PATCH that stalls, a client that sends headers only) is
  // closed, so stalled clients cannot hold sockets, locks and part permits for ever.
  server.requestTimeout = 0
  server.headersTimeout = 30_000
  server.timeout = (options.idleTimeoutSeconds ?? 60) * 1000
  server.keepAliveTimeout = 65_000
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    options.log.info({ signal }, 'shutting down')
    const delay = (options.drainDelaySeconds ?? 0) * 1000
    if (delay > 0) await new Promise((r) => setTimeout(r, delay))
    // A cut PATCH is not lost: tus clients resume from the stored offset on another instance.
    const force = setTimeout(
      () => server.closeAllConnections(),
      (options.drainTimeoutSeconds ?? 10) * 1000,
    )
    force.unref()
    // Resolves once the last connection has closed: exit then, not at the drain timeout.
    const closed = new Promise<void>((r) => server.close(() => r()))
    connections.drain()
    await closed
    await services.close()
    await options.onClose?.()
    process.exit(0)
  }
  if (options.handleSignals !== false) {
    process.once('SIGINT', () => void shutdown('SIGINT'))
    process.once('SIGTERM', () => void shutdown('SIGTERM'))
  }
  return server
}
