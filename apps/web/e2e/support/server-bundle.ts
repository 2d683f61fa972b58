import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
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
 * the production build (apps/server/bundle-options.mjs), so each browser test file starts `node` on JavaScript instead of tsx
 * compiling the whole server again. The folder sits beside apps/server/src (the entries find
 * apps/web/dist two levels up, PGlite in apps/server/node_modules) and is one per run, so two
 * runs at once never overwrite each other's files.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  // apps/server's own esbuild (the one build.mjs uses), not a dependency of the web app.
  const { build } = createRequire(join(serverDir, 'package.json'))('esbuild') as {
    build(options: Record<string, unknown>): Promise<unknown>
  }
  const { serverBundleOptions } = (await import(
    pathToFileURL(join(serverDir, 'bundle-options.mjs')).href
  )) as { serverBundleOptions: Record<string, unknown> }
  const outdir = join(serverDir, `.e2e-bundle-${process.pid}`)
  mkdirSync(outdir, { recursive: true })
  writeFileSync(join(outdir, '.gitignore'), '*\n')
  await build({
    entryPoints: { dev: join(serverDir, 'src/dev.ts'), main: join(serverDir, 'src/main.ts') },
    outdir,
    ...serverBundleOptions,
  })
  project.provide('serverBundle', outdir)
  return async () => {
    await stopLeftovers(join(outdir, 'pids'))
    rmSync(outdir, { recursive: true, force: true })
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * Stops the servers still listed in `dir` (server.ts lists each while it runs): those the test
 * worker could not stop because it was killed (vitest sends SIGKILL 0.5 s after SIGTERM).
 */
async function stopLeftovers(dir: string): Promise<void> {
  let pids: number[]
  try {
    pids = readdirSync(dir).map(Number)
  } catch {
    return
  }
  for (const pid of pids.filter(alive)) process.kill(pid, 'SIGTERM')
  // A safety net for a gentle stop, then the hard way.
  const deadline = Date.now() + 10_000
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
  for (const pid of pids.filter(alive)) process.kill(pid, 'SIGKILL')
}
