import { randomBytes } from 'node:crypto'
import { mkdir, readdir, rm, stat } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'

/** Folders of the stores alive in this process: never swept. */
const liveDirs = new Set<string>()

/**
 * Each store buffers parts in its own `<host>-<pid>-<random>` folder under the temp dir, so a
 * sweep can tell part files of a live store from leftovers of a dead process (or of an earlier
 * process that had this pid, as in containers where every start is pid 1).
 */
export function storeTempDir(base: string): string {
  const dir = join(base, `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`)
  liveDirs.add(dir)
  return dir
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Is the store folder `name` (on this host) one that no live store uses? */
function isStale(base: string, name: string): boolean {
  const match = new RegExp(`^${escapeRegExp(hostname())}-(\\d+)(?:-[0-9a-f]+)?$`).exec(name)
  if (!match) return false
  const pid = Number(match[1])
  if (pid === process.pid) return !liveDirs.has(join(base, name))
  return !isAlive(pid)
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/**
 * Deletes part files no live store owns: folders of dead processes on this host, and loose
 * files (left by versions that kept parts directly in `base`). Returns how many entries went.
 */
export async function sweepTempDirs(base: string): Promise<number> {
  const entries = await readdir(base, { withFileTypes: true }).catch(() => [])
  let removed = 0
  for (const entry of entries) {
    const path = join(base, entry.name)
    let stale = false
    if (entry.isDirectory()) {
      stale = isStale(base, entry.name)
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

/**
 * The part folder of one store: created on first use, swept by no live store, and the home of
 * every temp file the store writes (part files and downloaded `.part` leftovers).
 */
export class StoreTempDir {
  /** The folder shared by every store (and process) using it. */
  readonly base: string
  /** This store's own folder under `base`. */
  readonly path: string
  private ready: Promise<unknown> | undefined

  constructor(base: string) {
    this.base = base
    this.path = storeTempDir(base)
  }

  /** Creates the folder (once). */
  ensure(): Promise<unknown> {
    this.ready ??= mkdir(this.path, { recursive: true })
    return this.ready
  }

  /** A new file name in the folder: `template` plus random hex. */
  async fileName(template: string): Promise<string> {
    await this.ensure()
    return join(this.path, `${template}${randomBytes(8).toString('hex')}`)
  }

  /** Deletes part files of processes that died (SIGKILL, OOM); safe while others run. */
  async sweep(): Promise<number> {
    await this.ensure()
    return sweepTempDirs(this.base)
  }
}
