import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { oncePerRun } from '@uplink/testing/once-per-run'

const serverDir = fileURLToPath(new URL('../..', import.meta.url))

/** Builds dist/main.js the way `pnpm build` does. */
export function buildServer(): void {
  execFileSync('node', ['build.mjs'], { cwd: serverDir, stdio: 'inherit' })
}

/**
 * Vitest global setup: dist/main.js built once before any file runs (once per run, whichever
 * projects list it), so tests that start the production bundle (scale) or check what the
 * Dockerfile copies never race a rebuild. It imports nothing of the server: vitest's own
 * process then loads neither the server nor Playwright.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const built = await oncePerRun('server-dist', async () => buildServer())
  return built.release
}
