/** An incremental SHA-256 (hash-wasm's in the worker): fed in order, read once at the end. */
export interface IncrementalSha256 {
  update(bytes: Uint8Array): void
  /** Base64 of the digest of every byte fed. */
  digest(): string
}

export interface FileDigestsDeps {
  /** The bytes `[start, end)` of the file. */
  read(start: number, end: number): Promise<Uint8Array<ArrayBuffer>>
  /** Base64 CRC32 of one piece (hash-wasm's), for its PATCH's `Upload-Checksum`. */
  digest(piece: Uint8Array<ArrayBuffer>): Promise<string>
  /** A fresh incremental SHA-256 for the whole file. */
  createSha256(): Promise<IncrementalSha256>
}

/** Bytes read per step when the whole-file digest catches up on bytes no piece brought. */
const CATCH_UP_BYTES = 8 * 1024 * 1024
/** Pieces waiting for the whole-file digest before `piece` waits too (bounds the memory held). */
const MAX_WAITING = 2

/**
 * The digests of one file being uploaded: each PATCH body's CRC32 (`piece`) and the whole
 * file's SHA-256 (`whole`), from **one read** of every byte. A piece read for its PATCH also feeds the
 * whole-file SHA-256, in file order, behind the piece's own digest (so the PATCH does not wait
 * for it). Bytes before the first piece asked for (a resume after a reload: the server has
 * them, this page never read them) are read once, in order, to catch up; bytes fed already
 * (a resume at an earlier offset) are not fed again.
 */
export class FileDigests {
  #sha: Promise<IncrementalSha256>
  /** Bytes fed to the whole-file digest so far. */
  #fed = 0
  /** The whole-file digest's steps, one after the other, in the order the pieces were asked for. */
  #queue: Promise<void> = Promise.resolve()
  /** Why a step failed: the digest misses bytes, so every later step fails too. */
  #failed: { error: unknown } | undefined
  /** Pieces read or being read whose bytes the whole-file digest has not had yet. */
  #waiting = 0
  #whole: Promise<string> | undefined

  constructor(
    private readonly size: number,
    private readonly deps: FileDigestsDeps,
  ) {
    this.#sha = deps.createSha256()
    // A digest that cannot start fails the steps that need it, not as an unhandled rejection.
    this.#sha.catch(() => {})
  }

  /** Base64 CRC32 of `[start, end)`; its bytes then feed the whole-file SHA-256. */
  async piece(start: number, end: number): Promise<string> {
    const { digest, fed } = this.#piece(start, end)
    const d = await digest
    // The upload is ahead of the whole-file digest: it waits rather than pile up pieces.
    if (this.#waiting > MAX_WAITING) await fed
    return d
  }

  /**
   * The digest of `[start, end)` and its bytes, once they also fed the whole-file SHA-256: the
   * upload sends these very bytes (what was hashed is what is sent, read once).
   */
  async pieceWithBytes(
    start: number,
    end: number,
  ): Promise<{ digest: string; bytes: Uint8Array<ArrayBuffer> }> {
    const { digest, fed, read } = this.#piece(start, end)
    const [d, bytes] = await Promise.all([digest, read, fed])
    return { digest: d, bytes }
  }

  #piece(start: number, end: number) {
    const read = this.deps.read(start, end)
    this.#waiting++
    const fed = this.#then(async () => {
      await this.#catchUp(start)
      await this.#feed(start, await read)
    })
    fed.then(
      () => this.#waiting--,
      () => this.#waiting--,
    )
    // Unhandled only if the caller stops caring; `whole` reports a failed feed.
    fed.catch(() => {})
    const digest = read.then((bytes) => this.deps.digest(bytes))
    return { read, fed, digest }
  }

  /** Base64 SHA-256 of the whole file, once every byte has been fed (catching up if need be). */
  whole(): Promise<string> {
    this.#whole ??= this.#then(async () => {
      await this.#catchUp(this.size)
      return (await this.#sha).digest()
    })
    return this.#whole
  }

  #then<T>(step: () => Promise<T>): Promise<T> {
    const done = this.#queue.then(() => {
      if (this.#failed) throw this.#failed.error
      return step()
    })
    this.#queue = done.then(
      () => {},
      (error: unknown) => {
        this.#failed ??= { error }
      },
    )
    return done
  }

  /** Feeds `[fed, until)`, bytes no piece brought, in steps: the next read while one is hashed. */
  async #catchUp(until: number): Promise<void> {
    let next: Promise<Uint8Array<ArrayBuffer>> | undefined
    while (this.#fed < until) {
      const start = this.#fed
      const end = Math.min(start + CATCH_UP_BYTES, until)
      const bytes = await (next ?? this.deps.read(start, end))
      next = end < until ? this.deps.read(end, Math.min(end + CATCH_UP_BYTES, until)) : undefined
      await this.#feed(start, bytes)
    }
  }

  /** Feeds the part of `bytes` (which start at `start`) that the digest has not had yet. */
  async #feed(start: number, bytes: Uint8Array): Promise<void> {
    const end = start + bytes.byteLength
    if (end <= this.#fed || start > this.#fed) return
    ;(await this.#sha).update(bytes.subarray(this.#fed - start))
    this.#fed = end
  }
}
