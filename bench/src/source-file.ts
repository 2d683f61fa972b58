import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { join } from 'node:path'
import { finished } from 'node:stream/promises'
import { MiB } from './stats.ts'

/**
 * The start of an MP4 file: a 24-byte `ftyp` box (major brand `isom`), enough for the content
 * check's magic-byte sniff to see `video/mp4`.
 */
const MP4_FTYP = Buffer.from([
  ...[0, 0, 0, 24],
  ...Buffer.from('ftypisom', 'latin1'),
  ...[0, 0, 2, 0],
  ...Buffer.from('isommp41', 'latin1'),
])

/** tus metadata of the small uploads: a PDF for purpose `document`, as most small files are. */
export const SMALL_DOCUMENT_METADATA = {
  filename: 'bench.pdf',
  filetype: 'application/pdf',
  purpose: 'document',
} as const

/**
 * `size` random bytes behind a PDF header, so the content check accepts them and takes its
 * normal path (the whole object read back and hashed) rather than rejecting at the sniff.
 */
export function smallDocument(size: number): Buffer {
  const bytes = randomBytes(size)
  Buffer.from('%PDF-1.7\n%', 'latin1').copy(bytes)
  return bytes
}

/** Writes a file of `size` bytes of incompressible data (a random 16 MiB block, repeated). */
export async function makeSourceFile(dir: string, size: number): Promise<string> {
  return (await writeSourceFile(dir, size, { name: `source-${size}.bin` })).path
}

/**
 * Writes `size` bytes that the content checks accept as `video/mp4` (an `ftyp` box, then random
 * bytes) and in which every MiB is distinct (its offset is stamped into its last 8 bytes), so a
 * part stored twice or out of order changes the SHA-256. Returns the path and the SHA-256
 * (base64) computed while writing.
 */
export function makeVideoFile(
  dir: string,
  size: number,
): Promise<{ path: string; sha256: string }> {
  return writeSourceFile(dir, size, { name: `video-${size}.mp4`, mp4: true, stamp: true })
}

/** Streams the file to disk one 16 MiB block at a time (memory stays at about two blocks). */
async function writeSourceFile(
  dir: string,
  size: number,
  options: { name: string; mp4?: boolean; stamp?: boolean },
): Promise<{ path: string; sha256: string }> {
  const path = join(dir, options.name)
  const block = randomBytes(16 * MiB)
  const hash = createHash('sha256')
  const out = createWriteStream(path)
  let offset = 0
  while (offset < size) {
    const length = Math.min(block.length, size - offset)
    // A chunk that is changed is a copy: the one before may still be queued for writing.
    const changed = options.stamp || (options.mp4 && offset === 0)
    const chunk = changed ? Buffer.from(block.subarray(0, length)) : block.subarray(0, length)
    if (options.stamp) {
      for (let end = MiB; end <= length; end += MiB)
        chunk.writeBigUInt64BE(BigInt(offset + end), end - 8)
    }
    if (options.mp4 && offset === 0) MP4_FTYP.copy(chunk, 0, 0, Math.min(MP4_FTYP.length, length))
    hash.update(chunk)
    if (!out.write(chunk)) await once(out, 'drain')
    offset += length
  }
  out.end()
  await finished(out)
  return { path, sha256: hash.digest('base64') }
}
