import { type Readable, Transform, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { checksumMismatch, type DeclaredChecksum, type Digest } from '../protocol/checksum.ts'

/**
 * Pipes `source` into `splitter` and settles when the splitter has written everything. Unlike
 * `pipeline`, a splitter error does not destroy `source`: the caller's pipeline (and so the tus
 * lock) must not end before this write has stored what it received.
 */
export function feed(source: Readable, splitter: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      source.unpipe(splitter)
      if (!splitter.destroyed) splitter.destroy(err)
      reject(err)
    }
    source.once('error', fail)
    splitter.once('error', fail)
    splitter.once('finish', () => {
      source.off('error', fail)
      resolve()
    })
    source.pipe(splitter)
  })
}

/** Passes the PATCH body through while feeding its digest (errors of `src` carry over). */
export function hashing(src: Readable, digest: Digest): Readable {
  const through = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      digest.update(chunk)
      done(null, chunk)
    },
  })
  pipeline(src, through).catch(() => {})
  return through
}

/** The sources one after another. */
export async function* concat(...sources: AsyncIterable<Buffer>[]): AsyncGenerator<Buffer> {
  for (const source of sources) yield* source
}

/** Throws 460 when the body's digest is not the one the PATCH declared. */
export function verify(declared: DeclaredChecksum | undefined, digest: Digest | undefined): void {
  if (!declared || !digest) return
  const actual = digest.digest()
  if (actual !== declared.expected) throw checksumMismatch(declared, actual)
}
