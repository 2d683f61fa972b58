import { createReadStream, createWriteStream, type ReadStream } from 'node:fs'
import { rm } from 'node:fs/promises'
import { type Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { type PartChecksumAlgorithm, partHash } from './part-checksum.ts'

/** The `<id>.part` leftover of an earlier PATCH, downloaded to a temp file. */
export interface IncompletePart {
  path: string
  /** Upload offset of its first byte. */
  offset: number
  size: number
  /** Base64 checksum (the upload's algorithm) of the downloaded bytes, to compare with the ledger. */
  checksum: string
  /** Reads the file (the caller deletes it when the write is over). */
  createReader: () => ReadStream
}

/**
 * Writes the `.part` object's body (which starts at upload `offset`) to `path`, hashing it with
 * the upload's part checksum on the way (no second read).
 */
export async function downloadIncompletePart(
  body: Readable,
  path: string,
  offset: number,
  algorithm: PartChecksumAlgorithm,
): Promise<IncompletePart> {
  const hash = partHash(algorithm)
  let size = 0
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      size += chunk.length
      done(null, chunk)
    },
  })
  try {
    await pipeline(body, hashing, createWriteStream(path))
  } catch (err) {
    await rm(path, { force: true }).catch(() => {})
    throw err
  }
  return {
    path,
    offset,
    size,
    checksum: hash.digest(),
    createReader: () => createReadStream(path, { highWaterMark: 1024 * 1024 }),
  }
}
