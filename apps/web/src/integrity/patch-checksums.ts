import type { Sha256Hasher } from './sha256-hasher.ts'

/**
 * The `Upload-Checksum` of each PATCH body of one file. tus-js-client sends the bytes
 * `[offset, min(offset + chunkSize, size))` in the PATCH at `offset`, so the digest of that slice
 * is known before the request. Digests come from the whole-file pass (`seed`); any other (a
 * resume at another offset, a file restored after a reload) is hashed on demand, the next body's
 * while this one is sent, so hashing overlaps the network.
 */
export class PatchChecksums {
  #digests = new Map<number, Promise<string>>()

  constructor(
    private readonly file: Blob,
    private readonly chunkSize: number,
    private readonly hasher: Pick<Sha256Hasher, 'hash'>,
  ) {}

  /** The digest of the body at `start`, known already (hashed with the whole file). */
  seed(start: number, sha256: string): void {
    if (!this.#digests.has(start)) this.#digests.set(start, Promise.resolve(sha256))
  }

  /** `sha256 <base64>` for the PATCH at `offset`. */
  async header(offset: number): Promise<string> {
    // Digests of bodies before this one are no longer needed (tus only moves forward, or
    // restarts from the server's offset, which is hashed anew).
    for (const start of this.#digests.keys()) if (start < offset) this.#digests.delete(start)
    const digest = this.#digest(offset)
    const next = offset + this.chunkSize
    if (next < this.file.size) this.#digest(next).catch(() => {})
    return `sha256 ${await digest}`
  }

  #digest(start: number): Promise<string> {
    let digest = this.#digests.get(start)
    if (!digest) {
      const end = Math.min(start + this.chunkSize, this.file.size)
      digest = this.hasher.hash(this.file.slice(start, end))
      this.#digests.set(start, digest)
      // A failed digest is not kept: the retried PATCH hashes again.
      const failed = digest
      failed.catch(() => {
        if (this.#digests.get(start) === failed) this.#digests.delete(start)
      })
    }
    return digest
  }
}
