import { randomBytes } from 'node:crypto'
import { createWriteStream, readFileSync } from 'node:fs'

export const MiB = 1024 * 1024

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2
    ? (s[(s.length - 1) / 2] ?? 0)
    : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2
}

/** The machine's load average now, to print beside the figures. */
export const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').trim()

/** Megabytes (10^6 bytes) per second, as upload speeds are usually given. */
export const mbPerSecond = (bytes: number, seconds: number) => bytes / 1e6 / seconds

/** A `size`-byte MP4-looking file (an ftyp box, then random bytes: incompressible). */
export async function writeVideoFile(path: string, size: number): Promise<void> {
  const ftyp = Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex')
  const out = createWriteStream(path)
  const block = randomBytes(64 * MiB)
  out.write(ftyp)
  for (let left = size - ftyp.length; left > 0; left -= block.length) {
    if (!out.write(block.subarray(0, Math.min(left, block.length)))) {
      await new Promise<void>((r) => out.once('drain', () => r()))
    }
  }
  await new Promise<void>((r) => out.end(r))
}

/** `--size` in MiB ("1536"), or with a unit ("64MiB", "1.5GiB"). */
export function parseSize(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(MiB|GiB)?$/i.exec(text.trim())
  if (!m) throw new Error(`--size ${text}: give MiB ("1536") or a unit ("64MiB", "1.5GiB")`)
  const unit = m[2]?.toLowerCase() === 'gib' ? 1024 * MiB : MiB
  return Math.round(Number(m[1]) * unit)
}
