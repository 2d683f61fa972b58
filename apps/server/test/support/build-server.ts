import { buildServer } from './instances.ts'

/**
 * Vitest global setup: dist/main.js built once before any file runs, so tests that start the
 * production bundle (scale) or check what the Dockerfile copies never race a rebuild.
 */
export default function setup(): void {
  buildServer()
}
