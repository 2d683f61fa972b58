import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/**
 * The node flags production starts a server bundle with: those of the `start` script in the
 * package.json beside the bundle's `dist/` (`node --a=1 dist/main.js` → `--a=1`),
 * so the bench measures what `pnpm start` and the Dockerfile run. A bundle with no such
 * package.json (a copied baseline) gets none.
 */
export function startFlags(entry: string): string[] {
  let script: unknown
  try {
    const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8'))
    script = pkg?.scripts?.start
  } catch {
    return []
  }
  return typeof script === 'string' ? flagsOf(script) : []
}

/** The flags between `node` and the script in a `node [flags] <file>.js` command. */
export function flagsOf(command: string): string[] {
  const words = command.trim().split(/\s+/)
  if (words[0] !== 'node') return []
  const entry = words.findIndex((w) => w.endsWith('.js'))
  return words.slice(1, entry < 0 ? undefined : entry).filter((w) => w.startsWith('-'))
}
