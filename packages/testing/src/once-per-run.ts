import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from './wait-for.ts'

/**
 * The variable through which `pnpm test` (with-services.ts) hands every task of its run one
 * scratch directory, removed when the run ends: what one task prepared, another reuses.
 */
export const RUN_DIR_ENV = 'UPLINK_TEST_RUN_DIR'

const READY = '.ready'
const FAILED = '.failed'

/**
 * In this process: one preparation per name, whichever global setups ask for it. On globalThis:
 * vitest loads each project's global setup files apart, so module state is not shared.
 */
const processWide = globalThis as { uplinkOncePerRun?: Map<string, Entry> }
processWide.uplinkOncePerRun ??= new Map()
const prepared = processWide.uplinkOncePerRun

interface Entry {
  dir: Promise<string>
  users: number
  /** Removes the directory when the last user releases it (none in a run directory). */
  remove?: () => Promise<void>
}

export interface Prepared {
  dir: string
  /** Call in the global setup's teardown. */
  release(): Promise<void>
}

/**
 * A directory that `prepare` fills once per test run, however many vitest projects and
 * processes ask for it: in `pnpm test`, once for all its tasks (the first to claim `name` in the
 * run directory prepares it, the others wait for it), else once per vitest process. For work
 * whose result is the same wherever it runs in that run (a packed tarball, a bundle, an
 * initialised data directory).
 */
export async function oncePerRun(
  name: string,
  prepare: (dir: string) => Promise<void>,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Prepared> {
  let entry = prepared.get(name)
  if (!entry) {
    const runDir = env[RUN_DIR_ENV]
    entry = runDir
      ? { dir: claimOrAwait(join(runDir, name), prepare), users: 0 }
      : ownDirectory(name, prepare)
    prepared.set(name, entry)
  }
  const mine = entry
  mine.users++
  let dir: string
  try {
    dir = await mine.dir
  } catch (err) {
    prepared.delete(name)
    throw err
  }
  return {
    dir,
    async release() {
      if (--mine.users > 0) return
      prepared.delete(name)
      await mine.remove?.()
    },
  }
}

function ownDirectory(name: string, prepare: (dir: string) => Promise<void>): Entry {
  const made = mkdtemp(join(tmpdir(), `uplink-${name}-`))
  const dir = made.then(async (path) => {
    await prepare(path)
    return path
  })
  return {
    dir,
    users: 0,
    remove: async () => rm(await made, { recursive: true, force: true }),
  }
}

/**
 * mkdir is the claim: of the processes (or callers) that ask for `dir`, the one that creates it
 * prepares it and marks it ready (or failed, with the error); the rest wait for that mark.
 */
export async function claimOrAwait(
  dir: string,
  prepare: (dir: string) => Promise<void>,
): Promise<string> {
  const claimed = await mkdir(dir).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === 'EEXIST') return false
      throw err
    },
  )
  if (claimed) {
    try {
      await prepare(dir)
    } catch (err) {
      await writeFile(join(dir, FAILED), String(err instanceof Error ? err.stack : err))
      throw err
    }
    await writeFile(join(dir, READY), '')
    return dir
  }
  const failure = await waitFor(
    async () => {
      if (await exists(join(dir, READY))) return 'ready'
      if (await exists(join(dir, FAILED))) return readFile(join(dir, FAILED), 'utf8')
      return undefined
    },
    // A safety net: the one preparing has its own timeouts.
    { what: `another task of this run to prepare ${dir}`, timeoutMs: 600_000, intervalMs: 200 },
  )
  if (failure !== 'ready') throw new Error(`preparing ${dir} failed in another task:\n${failure}`)
  return dir
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}
