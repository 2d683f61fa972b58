import { connect } from 'node:net'
import { type RunningService, spawnService } from './spawn-service.ts'

export interface StartHaproxyOptions {
  /** The config file (e.g. deploy/haproxy.cfg); `"${VAR}"` in it is read from `env`. */
  configFile: string
  /** The port the config binds on 127.0.0.1: ready once it accepts connections. */
  port: number
  env?: Record<string, string>
  /** The binary (default `haproxy` on PATH; Debian package `haproxy`). */
  binary?: string
}

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => {
      socket.destroy()
      resolve(true)
    })
    socket.once('error', () => resolve(false))
  })

/**
 * Starts HAProxy in the foreground (`-db`) with a config file and the environment it
 * expands; ready once its port accepts connections.
 */
export function startHaproxy(options: StartHaproxyOptions): Promise<RunningService> {
  return spawnService({
    name: 'haproxy',
    command: options.binary ?? 'haproxy',
    args: ['-db', '-f', options.configFile],
    env: { ...process.env, ...options.env },
    ready: () => accepts(options.port),
    timeoutMs: 10_000,
  })
}
