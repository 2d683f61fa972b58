import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'

declare module 'vitest' {
  export interface ProvidedContext {
    /** The folder holding dev.js and main.js, the server bundled once for this run. */
    serverBundle: string
  }
}

const serverDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../server')

/**
 * Vitest global setup: bundles the server's entries (dev.ts, main.ts) once, with the options of
 * apps/server/build.mjs, so each browser test file starts `node` on JavaScript instead of tsx
 * compiling the whole server again. The folder sits beside apps/server/src (the entries find
 * apps/web/dist two levels up, PGlite in apps/server/node_modules) and is one per run, so two
 * runs at once never overwrite each other's files.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  // apps/server's own esbuild (the one build.mjs uses), not a dependency of the web app.
  const { build } = createRequire(join(serverDir, 'package.json'))('esbuild') as {
    build(options: Record<string, unknown>): Promise<unknown>
  }
  const outdir = join(serverDir, `.e2e-bundle-${process.pid}`)
  mkdirSync(outdir, { recursive: true })
  writeFileSync(join(outdir, '.gitignore'), '*\n')
  await build({
    entryPoints: { dev: join(serverDir, 'src/dev.ts'), main: join(serverDir, 'src/main.ts') },
    outdir,
    bundle: true,
    splitting: true,
    platform: 'node',
    target: 'node22.12',
    format: 'esm',
    sourcemap: true,
    external: ['@electric-sql/pglite', 'pg-native'],
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  })
  project.provide('serverBundle', outdir)
  return () => rmSync(outdir, { recursive: true, force: true })
}
