import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { oncePerRun } from '@uplink/testing/once-per-run'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** A gzipped data directory of a fresh PGlite (initdb run once for the whole test run). */
    pgliteTemplate: string
  }
}

const FILE = 'pgdata.tar.gz'

/**
 * Vitest global setup (with `@uplink/db/test/pglite-seed` as a setup file): initdb runs once per
 * `pnpm test` run, not in the first in-memory PGlite of every test process (2.5-4.5 CPU-s each).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const template = await oncePerRun('pglite-template', async (dir) => {
    const pglite = await PGlite.create()
    // Dumped before anyone queries it, as src/pglite.ts does: every instance starts empty.
    const dump = await pglite.dumpDataDir('gzip')
    await pglite.close()
    await writeFile(join(dir, FILE), Buffer.from(await dump.arrayBuffer()))
  })
  project.provide('pgliteTemplate', join(template.dir, FILE))
  return template.release
}
