import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'

/** What one full read of an object proved. */
export interface ReadSummary {
  /** Base64 SHA-256 of every byte read. */
  sha256: string
  size: number
}

/**
 * One pass over an object, shared by every check that needs its bytes: the head for a sniff,
 * every byte for a scanner, and a SHA-256 of every byte whoever pulls it. Memory stays bounded:
 * only the head is buffered; the rest flows one chunk at a time, pulled by the slowest reader.
 */
export class ObjectRead {
  readonly #source: AsyncIterator<Buffer>
  readonly #stream: Readable
  readonly #hash = createHash('sha256')
  readonly #head: Buffer[] = []
  #headBytes = 0
  #size = 0
  #done = false

  constructor(stream: Readable) {
    this.#stream = stream
    this.#source = stream[Symbol.asyncIterator]()
  }

  /** The next chunk of the object (hashed on the way), or undefined at the end. */
  async #next(): Promise<Buffer | undefined> {
    if (this.#done) return undefined
    const r = await this.#source.next()
    if (r.done) {
      this.#done = true
      return undefined
    }
    const chunk = Buffer.isBuffer(r.value) ? r.value : Buffer.from(r.value as Uint8Array)
    this.#hash.update(chunk)
    this.#size += chunk.length
    return chunk
  }

  /** At least the first `length` bytes (fewer only if the object is shorter); call before `bytes`. */
  async head(length: number): Promise<Buffer> {
    while (this.#headBytes < length) {
      const chunk = await this.#next()
      if (!chunk) break
      this.#head.push(chunk)
      this.#headBytes += chunk.length
    }
    // Copies `length` bytes at most, not the whole first chunk (a large read is 512 KiB).
    return Buffer.concat(this.#head, Math.min(length, this.#headBytes))
  }

  /**
   * Every byte from the start: the buffered head, then the rest as it is read. A consumer that
   * stops early leaves the rest for `finish`.
   */
  async *bytes(): AsyncGenerator<Buffer> {
    yield* this.#head.splice(0)
    for (let chunk = await this.#next(); chunk; chunk = await this.#next()) yield chunk
  }

  /** Reads whatever nobody consumed into the hash; the digest and size of the whole object. */
  async finish(): Promise<ReadSummary> {
    this.#head.length = 0
    while (await this.#next()) {}
    return { sha256: this.#hash.digest('base64'), size: this.#size }
  }

  /** Stops reading (releases the S3 connection); safe to call after `finish`. */
  close(): void {
    this.#stream.destroy()
  }
}
