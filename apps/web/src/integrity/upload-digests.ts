import type { FileHashing } from './sha256-hasher.ts'

/** The User Timing mark of each PATCH body hashed (`detail`: its `start` and `end`). */
export const PIECE_HASHED_MARK = 'uplink:piece-hashed'

/**
 * The integrity headers of each PATCH of one file, hashed while the file uploads.
 * tus-js-client sends the bytes `[offset, min(offset + chunkSize, size))` in the PATCH at
 * `offset`, so each body's digest is known before its request; the next body is hashed while
 * this one is sent (its CRC32), and the same read feeds the whole file's SHA-256, which the
 * last PATCH declares. A resume at another offset (a PATCH cut short, a reload) hashes from there; the
 * worker catches the whole-file digest up on the bytes before it.
 */
export class UploadDigests {
  #pieces = new Map<number, Promise<string>>()

  constructor(
    private readonly size: number,
    private readonly chunkSize: number,
    private readonly hashing: Pick<FileHashing, 'piece' | 'whole'>,
  ) {}

  /**
   * `Upload-Checksum: crc32 <base64>` of the body of the PATCH at `offset` (tus checksum
   * extension: it "MUST consist of the name of the used checksum algorithm and the Base64
   * encoded checksum separated by a space"; the server lists crc32 in
   * `Tus-Checksum-Algorithm`) and, on the PATCH that ends the file, `Repr-Digest: sha-256=:<base64>:` of the
   * whole file (RFC 9530), which the server records as the upload's declared SHA-256.
   */
  async headers(offset: number): Promise<Record<string, string>> {
    // Bodies before this one are not sent again (tus moves forward, or resumes from the
    // server's offset, hashed anew).
    for (const start of this.#pieces.keys()) if (start < offset) this.#pieces.delete(start)
    const body = this.#piece(offset)
    const next = offset + this.chunkSize
    if (next < this.size) this.#piece(next).catch(() => {})
    const headers: Record<string, string> = { 'Upload-Checksum': `crc32 ${await body}` }
    if (next >= this.size) headers['Repr-Digest'] = `sha-256=:${await this.hashing.whole()}:`
    return headers
  }

  #piece(start: number): Promise<string> {
    let digest = this.#pieces.get(start)
    if (!digest) {
      const end = Math.min(start + this.chunkSize, this.size)
      digest = this.hashing.piece(start, end).then((crc32) => {
        performance.mark(PIECE_HASHED_MARK, { detail: { start, end } })
        return crc32
      })
      this.#pieces.set(start, digest)
      // A failed digest is not kept: the retried PATCH hashes again.
      const failed = digest
      failed.catch(() => {
        if (this.#pieces.get(start) === failed) this.#pieces.delete(start)
      })
    }
    return digest
  }
}
