import { type ChildProcess, spawn } from 'node:child_process'
import { join } from 'node:path'
import { inject } from 'vitest'

export interface CliRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/**
 * Runs `uplink …` as a real process in `cwd` (resume state under `cwd/state`); `onStart`
 * gets the child, e.g. to kill it at a chosen moment.
 */
export function runUplink(
  cwd: string,
  args: string[],
  env: Record<string, string | undefined>,
  onStart?: (child: ChildProcess) => void,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [inject('uplinkCli'), ...args], {
      cwd,
      env: { PATH: process.env.PATH, XDG_STATE_HOME: join(cwd, 'state'), ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => {
      stdout += d
    })
    child.stderr.on('data', (d: Buffer) => {
      stderr += d
    })
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))
    onStart?.(child)
  })
}
