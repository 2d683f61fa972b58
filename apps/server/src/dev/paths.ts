import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * `.data/` at the repository root holds every piece of dev state (gitignored). Found by walking
 * up, so it is the same from src/dev/paths.ts and from a bundle in dist/; outside a checkout
 * (a production install) it is `.data/` beside the nearest package.json.
 */
export const dataDir = join(projectRoot(dirname(fileURLToPath(import.meta.url))), '.data')

function projectRoot(from: string): string {
  let packageDir: string | undefined
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir
    if (!packageDir && existsSync(join(dir, 'package.json'))) packageDir = dir
    if (dirname(dir) === dir) return packageDir ?? resolve(from)
  }
}

/** A random dev JWT secret, made once and kept in .data/ so tokens survive restarts. */
export function devJwtSecret(): string {
  const file = join(dataDir, 'dev-jwt-secret')
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 })
  }
  return readFileSync(file, 'utf8').trim()
}
