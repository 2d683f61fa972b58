import { type ChildProcess, spawn } from 'node:child_process'
import { waitFor } from './free-port.ts'

export interface SpawnServiceOptions {
  /** Shown in errors: "timed out waiting for <name> to answer". */
  name: string
  command: string
  args: string[]
  env?: NodeJS.ProcessEnv
  /** Resolves true once the service answers; called every 100 ms until `timeoutMs` (120 s). */
  ready: () => Promise<boolean>
  timeoutMs?: number
  /** How to stop it gently (default: SIGTERM to the child). */
  stop?: (child: ChildProcess) => void
  /** Also copy its stderr to ours, e.g. so a benchmark shows why its server died. */
  echoStderr?: boolean
  /** Receives everything it prints, stdout and stderr (stdout is ignored without it). */
  onOutput?: (chunk: Buffer) => void
}

export interface RunningService {
  child: ChildProcess
  /** Stops the service gently and waits for it to exit. */
  stop(): Promise<void>
  /** Sends `signal` (default SIGKILL) and waits for the exit: a crash, for fault tests. */
  kill(signal?: NodeJS.Signals): Promise<void>
}

/**
 * Starts a child process and waits until `ready` says it answers; if it exits or never answers,
 * the error carries the tail of its stderr. The one way Uplink starts versitygw, Postgres and
 * the other services that dev mode and tests run.
 */
export async function spawnService(options: SpawnServiceOptions): Promise<RunningService> {
  const child = spawn(options.command, options.args, {
    stdio: ['ignore', options.onOutput ? 'pipe' : 'ignore', 'pipe'],
    ...(options.env ? { env: options.env } : {}),
  })
  let stderr = ''
  if (options.echoStderr) child.stderr?.pipe(process.stderr, { end: false })
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000)
  })
  if (options.onOutput) {
    child.stdout?.on('data', options.onOutput)
    child.stderr?.on('data', options.onOutput)
  }
  const running = () => child.exitCode === null && child.signalCode === null
  const exited = () => new Promise((r) => child.once('exit', r))
  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (!running()) return
    const done = exited()
    child.kill(signal)
    await done
  }
  const stop = async () => {
    if (!running()) return
    const done = exited()
    if (options.stop) options.stop(child)
    else child.kill('SIGTERM')
    await done
  }
  const exitNote = () =>
    `${options.name} exited (${child.signalCode ?? `code ${child.exitCode}`}): ${stderr}`
  // An exit or a failed spawn ends the wait at once (once its stderr is read to the end).
  const ended = new Promise<never>((_, reject) => {
    child.once('exit', () => {
      const report = () => reject(new Error(exitNote()))
      if (!child.stderr || child.stderr.readableEnded) report()
      else child.stderr.once('end', report)
    })
    child.once('error', (err) =>
      reject(new Error(`${options.name} could not start: ${err.message}`)),
    )
  })
  ended.catch(() => {})
  let settled = false
  const answered = waitFor(
    `${options.name} to answer`,
    async () => settled || options.ready(),
    // A safety net (it returns as soon as the service answers) sized for a loaded machine.
    options.timeoutMs ?? 120_000,
  ).catch((err: Error) => {
    // Say what the process was doing: the tail of what it printed, and whether it still runs.
    const state = running()
      ? `it is still running (pid ${child.pid}), its stderr ends: ${stderr.slice(-1500) || '(nothing)'}`
      : exitNote()
    throw new Error(`${err.message}; ${state}`, { cause: err.cause })
  })
  try {
    await Promise.race([ended, answered])
  } catch (err) {
    await kill()
    throw err
  } finally {
    settled = true
  }
  return { child, stop, kill }
}
