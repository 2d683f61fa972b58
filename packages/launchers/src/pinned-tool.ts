import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

/** `scripts/ensure-<tool>.sh`: the one place a tool's pinned version is named and installed. */
export function ensureScript(tool: string): string {
  return join(repoRoot, `scripts/ensure-${tool}.sh`)
}

/**
 * The path of the pinned `tool` binary (on PATH or in .tools/bin), installed first by its
 * ensure script if missing; the script prints the path on its last line.
 */
export function pinnedBinary(tool: string): string {
  const out = execFileSync('bash', [ensureScript(tool)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const bin = out.trim().split('\n').pop() ?? ''
  if (!existsSync(bin)) throw new Error(`ensure-${tool}.sh printed no binary path: ${out}`)
  return bin
}
