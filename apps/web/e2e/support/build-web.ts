import { readdirSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'vite'

const webRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

function newestMtime(path: string): number {
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))))
}

function builtAt(): number {
  try {
    return statSync(join(webRoot, 'dist/index.html')).mtimeMs
  } catch {
    return 0
  }
}

/**
 * Vitest global setup: the browser tests run against the production build that the server
 * serves, so build apps/web unless dist/ is newer than every source file.
 */
export default async function setup(): Promise<void> {
  const sources = ['src', 'index.html', 'vite.config.ts', '../../packages/core/src']
  const newest = Math.max(...sources.map((p) => newestMtime(join(webRoot, p))))
  if (builtAt() > newest) return
  await build({ root: webRoot, configFile: join(webRoot, 'vite.config.ts'), logLevel: 'warn' })
}
