import { mkdirSync } from 'node:fs'
import { PGlite, type PGliteOptions } from '@electric-sql/pglite'

/**
 * The data directory every in-memory PGlite of this process starts from: the first one runs
 * initdb (a second WebAssembly instance, 2.5-4.5 CPU-s), the rest load its gzipped dump
 * (0.7 CPU-s, 4.5 MB kept) — PGlite itself copies the initdb result in the same way.
 */
let initialised: Promise<Blob> | undefined

/**
 * Starts this process's in-memory PGlite instances from `dump` (`dumpDataDir('gzip')` of a fresh,
 * never-queried PGlite) instead of running initdb for the first one: the test suites make one
 * per run and hand it to every process. Ignored once an instance has started.
 */
export function startPgliteFrom(dump: Promise<Blob>): void {
  initialised ??= dump.catch((err: unknown) => {
    // A dump that cannot be read is not kept: the next instance runs initdb.
    initialised = undefined
    throw err
  })
}

/**
 * A PGlite on `where`: a directory (file-backed; initdb runs once, on its first start) or
 * `memory`. Resolves once it is ready.
 */
export async function openPglite(
  where: string,
  options: Pick<PGliteOptions, 'parsers'>,
): Promise<PGlite> {
  if (where !== 'memory') {
    mkdirSync(where, { recursive: true })
    return PGlite.create({ ...options, dataDir: where })
  }
  if (!initialised) {
    const first = PGlite.create(options)
    // Dumped before anyone queries it, so later instances start as empty as this one.
    initialised = first.then((pglite) => pglite.dumpDataDir('gzip'))
    // A failed dump is not kept: the next instance runs initdb again.
    await initialised.catch(() => {
      initialised = undefined
    })
    return first
  }
  // Another instance is still writing the dump: wait for it rather than run initdb again.
  const loadDataDir = await initialised.catch(() => undefined)
  return PGlite.create({ ...options, ...(loadDataDir ? { loadDataDir } : {}) })
}
