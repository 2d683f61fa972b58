import cluster from 'node:cluster'
import type { Logger } from 'pino'

/**
 * Runs `processes` copies of the server on one port (node:cluster), restarting any that die.
 * Safe because nothing is shared in memory: tus locks, jobs and reconciliation coordinate
 * through Postgres. Returns in the workers, never in the primary.
 */
export async function forkWorkers(processes: number, log: Logger): Promise<'worker' | 'primary'> {
  if (processes <= 1 || !cluster.isPrimary) return 'worker'
  let stopping = false
  const fork = () => cluster.fork()
  for (let i = 0; i < processes; i++) fork()
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return
    log.error({ pid: worker.process.pid, code, signal }, 'server process died; starting another')
    setTimeout(fork, 1000)
  })
  const stop = (signal: NodeJS.Signals) => {
    stopping = true
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal)
    cluster.disconnect(() => process.exit(0))
  }
  process.once('SIGINT', () => stop('SIGINT'))
  process.once('SIGTERM', () => stop('SIGTERM'))
  log.info({ processes }, 'uplink primary started its server processes')
  return 'primary'
}
