import { readdir, rm, stat } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'

/**
 * Each store process buffers parts in its own `<host>-<pid>` folder under the temp dir, so a
 * sweep can tell part files of a live process from leftovers of a dead one.
 */
export function processTempDir(base: string): string {
  return join(base, `${hostname()}-${process.pid}`)
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Deletes part files no live process owns: folders of dead processes on this host, and loose
 * files (left by versions that kept parts directly in `base`). Returns how many entries went.
 */
export async function sweepTempDirs(base: string, ownDir: string): Promise<number> {
  const entries = await readdir(base, { withFileTypes: true }).catch(() => [])
  const prefix = `${hostname()}-`
  let removed = 0
  for (const entry of entries) {
    const path = join(base, entry.name)
    if (path === ownDir) continue
    let stale = false
    if (entry.isDirectory() && entry.name.startsWith(prefix)) {
      const pid = Number(entry.name.slice(prefix.length))
      stale = Number.isInteger(pid) && !isAlive(pid)
    } else if (entry.isFile()) {
      // A loose file is stale once nothing has written it for a while.
      const info = await stat(path).catch(() => undefined)
      stale = info !== undefined && Date.now() - info.mtimeMs > 60_000
    }
    if (!stale) continue
    await rm(path, { recursive: true, force: true })
    removed++
  }
  return removed
}
