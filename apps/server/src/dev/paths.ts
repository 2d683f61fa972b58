import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** `.data/` at the repository root holds every piece of dev state (gitignored). */
export const dataDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../.data')

/** A random dev JWT secret, made once and kept in .data/ so tokens survive restarts. */
export function devJwtSecret(): string {
  const file = join(dataDir, 'dev-jwt-secret')
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 })
  }
  return readFileSync(file, 'utf8').trim()
}
