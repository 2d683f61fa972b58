import type { Sha256Hasher } from './sha256-hasher.ts'

/**
 * The `Upload-Checksum` of each PATCH body of one file. tus-js-client sends the bytes
 * `[offset, min(offset + chunkSize, size))` in the PATCH at `offset`, so the digest of that slice
 * is known before the request; the next body's digest is started while this one is sent, so
 * hashing overlaps the network and rarely delays a PATCH.
 */
export class PatchChecksums {
  #digests = new Map<number, Promise<string>>()

  constructor(
    private readonly file: Blob,
    private readonly chunkSize: number,
    private readonly hasher: Pick<Sha256Hasher, 'hash'>,
  ) {}

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
