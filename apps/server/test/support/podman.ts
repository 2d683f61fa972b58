import { execFile, execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname } from 'node:path'
import { promisify } from 'node:util'

const exec = promisify(execFile)

/**
 * The flags podman needs on a machine like the CI one: runc where installed (crun refuses a
 * hybrid cgroup v1/v2 host), and rlimits no higher than this process's own: rootful podman asks
 * for 1048576 open files and processes, which a host without CAP_SYS_RESOURCE refuses.
 */
export function podmanFlags(): string[] {
  const limit = (flag: string) =>
    execFileSync('sh', ['-c', `ulimit ${flag}`])
      .toString()
      .trim()
  const runc = ['/usr/sbin/runc', '/usr/bin/runc'].some((p) => existsSync(p))
  return [
    ...(runc ? ['--runtime', 'runc'] : []),
    '--ulimit',
    `nofile=${limit('-n')}:${limit('-Hn')}`,
    '--ulimit',
    'nproc=4096:4096',
  ]
}

/** Runs podman; resolves its stdout, rejects with its stderr in the message. */
export async function podman(args: string[], timeoutMs = 60_000): Promise<string> {
  try {
    const { stdout } = await exec('podman', args, { timeout: timeoutMs, maxBuffer: 64 << 20 })
    return stdout.trim()
  } catch (err) {
    const { stderr } = err as { stderr?: string }
    throw new Error(`podman ${args.slice(0, 2).join(' ')}: ${stderr?.trim().slice(-2000)}`, {
      cause: err,
    })
  }
}

/** The host's pnpm store (its parent, as `pnpm store path` names the versioned folder). */
export function pnpmStore(): string {
  return dirname(execFileSync('pnpm', ['store', 'path']).toString().trim())
}

/** The podman args that mount the host's pnpm store where root's pnpm looks in a build. */
export function pnpmStoreMount(): string[] {
  const store = pnpmStore()
  return existsSync(store) ? ['-v', `${store}:/root/.local/share/pnpm/store`] : []
}
