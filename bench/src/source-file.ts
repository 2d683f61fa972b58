import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { MiB } from './stats.ts'

/** Writes a file of `size` bytes of incompressible data (a random 16 MiB block, repeated). */
export async function makeSourceFile(dir: string, size: number): Promise<string> {
  const path = join(dir, `source-${size}.bin`)
  const block = randomBytes(16 * MiB)
  const out = createWriteStream(path)
  let left = size
  while (left > 0) {
    const chunk = left >= block.length ? block : block.subarray(0, left)
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()))
    left -= chunk.length
  }
  out.end()
  await finished(out)
  return path
}
