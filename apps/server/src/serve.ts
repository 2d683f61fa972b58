import type { Server } from 'node:http'
import type { Logger } from 'pino'
import { createApp } from './app.ts'
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
  },
): Promise<Server> {
  const app = createApp(services)
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(options.port, options.host, (err?: Error) =>
      err ? reject(err) : resolve(s),
    )
  })
  // Uploads are long: no overall request timeout, but drop idle sockets.
  server.requestTimeout = 0
  server.keepAliveTimeout = 65_000

  let closing = false
  const shutdown = async (signal: string) => {
    if (closing) return
    closing = true
    options.log.info({ signal }, 'shutting down')
    const force = setTimeout(() => server.closeAllConnections(), 10_000)
    force.unref()
    await new Promise<void>((r) => server.close(() => r()))
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
