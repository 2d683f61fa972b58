import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

/** This checkout's server package, whose `start` script production runs. */
const ownServerPackage = join(import.meta.dirname, '../../apps/server/package.json')

/**
 * The node flags production starts a server bundle with: those of the `start` script in the
 * package.json beside the bundle's `dist/` (`node --a=1 dist/main.js` → `--a=1`), so the bench
 * measures what `pnpm start` and the Dockerfile run. A bundle with none beside it (a copied
 * baseline) gets this checkout's: an A/B then compares the code, not the flags too.
 */
export function startFlags(entry: string): string[] {
  return (
    flagsOfPackage(join(dirname(entry), '..', 'package.json')) ??
    flagsOfPackage(ownServerPackage) ??
    []
  )
}

function flagsOfPackage(path: string): string[] | undefined {
  try {
    const script: unknown = JSON.parse(readFileSync(path, 'utf8'))?.scripts?.start
    return typeof script === 'string' ? flagsOf(script) : undefined
  } catch {
    return undefined
  }
}

/** The flags between `node` and the script in a `node [flags] <file>.js` command. */
export function flagsOf(command: string): string[] {
  const words = command.trim().split(/\s+/)
  if (words[0] !== 'node') return []
  const entry = words.findIndex((w) => w.endsWith('.js'))
  return words.slice(1, entry < 0 ? undefined : entry).filter((w) => w.startsWith('-'))
}
