import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { oncePerRun } from '@uplink/testing/once-per-run'
import { buildSync } from 'esbuild'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The `uplink` CLI bundled once for this run: `node <path> …` is `uplink …`. */
    uplinkCli: string
  }
}

const cliSource = fileURLToPath(
  new URL('../../../../packages/client/src/cli/main.ts', import.meta.url),
)

/**
 * Vitest global setup: the client CLI bundled once per run (whichever projects list it), so each
 * `uplink …` a test spawns is plain Node (0.15 CPU s to start) instead of tsx compiling the
 * sources again (0.5 CPU s). Like the published dist/cli.mjs, it is the same sources bundled.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const bundle = await oncePerRun('uplink-cli', async (dir) => bundleCli(resolve(dir, 'cli.mjs')))
  project.provide('uplinkCli', resolve(bundle.dir, 'cli.mjs'))
  return bundle.release
}

function bundleCli(outfile: string): void {
  buildSync({
    entryPoints: [cliSource],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22.12',
    // Some CommonJS dependencies call require(); give the ESM bundle one.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  })
}
