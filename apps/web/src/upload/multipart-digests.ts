import type { PieceDigest } from '../integrity/protocol.ts'
import type { FileHashing } from '../integrity/sha256-hasher.ts'
import { sha256Base64 } from './sha256.ts'

/** Starts the digests of a file (the page's `sha256Hasher`: a Web Worker). */
export interface Hasher {
  open(blob: Blob, pieceDigest: PieceDigest): FileHashing
}

/** A part ready to go: its SHA-256 (signed into its URL) and the very bytes hashed. */
export interface HashedPart {
  sha256: string
  body: Blob | ArrayBuffer
}

/**
 * The digests of one file going up by presigned multipart: each part's SHA-256, which
 * `multipart.signParts` signs into its URL, and the whole file's, which `multipart.complete`
 * declares. With a hasher, each part is read once, in the worker: its SHA-256 and the whole
 * file's (fed in file order) come from that read, and the same bytes come back to be the part's
 * body, so what S3 and the declared digest check is exactly what was sent (bytes of parts this
 * page never read, e.g. ones already in S3 before a reload, are read once to catch up). Without
 * one (a build measuring the upload without browser hashing), parts are hashed on their own with
 * Web Crypto, the body is read again to send it, and there is no whole-file digest.
 */
export class MultipartDigests {
  /** Parts hashed or being hashed, with their bytes, until sent (`sent`) or the file closes. */
  #parts = new Map<number, Promise<HashedPart>>()
  #hashing: FileHashing | undefined

  constructor(
    private readonly data: Blob,
    private readonly partSize: number,
    hasher: Hasher | undefined,
  ) {
    // A part's SHA-256 is signed into its URL: S3 checks it (CRC32 is tus's PATCH check).
    this.#hashing = hasher?.open(data, 'sha256')
  }

  /**
   * Part `partNumber` (1-based): its SHA-256 and body, hashed once however often it is sent.
   * Ask for parts in file order (the whole-file digest is fed in the order asked).
   */
  part(partNumber: number): Promise<HashedPart> {
    let part = this.#parts.get(partNumber)
    if (!part) {
      const start = (partNumber - 1) * this.partSize
      const end = Math.min(start + this.partSize, this.data.size)
      // The body is the file's own slice (read again by the network stack: cheap, and no part
      // is held in memory). Held bytes were sent as ArrayBuffers, which DevTools copies into its
      // events, or as Blobs made of them, which ran Chromium's blob memory out at 1.5 GiB
      // (ERR_BLOB_OUT_OF_MEMORY). Should the file change between the two reads, S3 refuses the
      // part: its SHA-256 is signed into the URL.
      part = this.#hashing
        ? this.#hashing
            .piece(start, end)
            .then((digest) => ({ sha256: digest, body: this.data.slice(start, end) }))
        : this.#alone(start, end)
      this.#parts.set(partNumber, part)
      // A failed digest is not kept: the part's next attempt hashes again.
      const failed = part
      failed.catch(() => {
        if (this.#parts.get(partNumber) === failed) this.#parts.delete(partNumber)
      })
    }
    return part
  }

  /** Starts hashing `partNumber` ahead of its send, so the send does not wait for it. */
  ahead(partNumber: number): void {
    this.part(partNumber).catch(() => {})
  }

  /** Part `partNumber` is in S3: its bytes are no longer held. */
  sent(partNumber: number): void {
    this.#parts.delete(partNumber)
  }

  /** Base64 SHA-256 of the whole file, or undefined when this page does not hash files. */
  async whole(): Promise<string | undefined> {
    return this.#hashing?.whole()
  }

  /** The digests are no longer wanted (the file finished, failed or went). */
  close(): void {
    this.#parts.clear()
    this.#hashing?.close()
  }

  async #alone(start: number, end: number): Promise<HashedPart> {
    const body = this.data.slice(start, end)
    return { sha256: await sha256Base64(body), body }
  }
}
