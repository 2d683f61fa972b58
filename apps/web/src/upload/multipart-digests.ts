import type { PieceDigest } from '../integrity/protocol.ts'
import type { FileHashing } from '../integrity/sha256-hasher.ts'
import { sha256Base64 } from './sha256.ts'

/** Starts the digests of a file (the page's `sha256Hasher`: a Web Worker). */
export interface Hasher {
  open(blob: Blob, pieceDigest: PieceDigest): FileHashing
}

/**
 * The digests of one file going up by presigned multipart: each part's SHA-256, which
 * `multipart.signParts` signs into its URL, and the whole file's, which `multipart.complete`
 * declares. With a hasher both come from one read of each byte in the worker (a part's bytes
 * also feed the incremental whole-file SHA-256, in file order; bytes of parts this page never
 * read, e.g. ones already in S3 before a reload, are read once to catch up). Without one
 * (a build measuring the upload without browser hashing), parts are hashed on their own with
 * Web Crypto and there is no whole-file digest.
 */
export class MultipartDigests {
  #parts = new Map<number, Promise<string>>()
  #hashing: FileHashing | undefined

  constructor(
    private readonly data: Blob,
    private readonly partSize: number,
    hasher: Hasher | undefined,
  ) {
    // A part's SHA-256 is signed into its URL: S3 checks it (CRC32 is tus's PATCH check).
    this.#hashing = hasher?.open(data, 'sha256')
  }

  /** Base64 SHA-256 of part `partNumber` (1-based), asked for once however often it is sent. */
  part(partNumber: number): Promise<string> {
    let digest = this.#parts.get(partNumber)
    if (!digest) {
      const start = (partNumber - 1) * this.partSize
      const end = Math.min(start + this.partSize, this.data.size)
      digest = this.#hashing
        ? this.#hashing.piece(start, end)
        : sha256Base64(this.data.slice(start, end))
      this.#parts.set(partNumber, digest)
      // A failed digest is not kept: the part's next attempt hashes again.
      const failed = digest
      failed.catch(() => {
        if (this.#parts.get(partNumber) === failed) this.#parts.delete(partNumber)
      })
    }
    return digest
  }

  /** Base64 SHA-256 of the whole file, or undefined when this page does not hash files. */
  async whole(): Promise<string | undefined> {
    return this.#hashing?.whole()
  }

  /** The digests are no longer wanted (the file finished, failed or went). */
  close(): void {
    this.#hashing?.close()
  }
}
