import { Readable } from 'node:stream'

/** A piece at least this long is kept as the body gave it; shorter ones are gathered. */
export const KEEP_BYTES = 32 * 1024

/** Size of the blocks short pieces are gathered into. */
export const GATHER_BYTES = 256 * 1024

/**
 * The bytes of a part held in memory, as a list of chunks in order. A request body arrives in
 * socket reads of up to 64 KiB, each its own buffer that nothing else writes to: a piece of
 * at least KEEP_BYTES is kept as it is (no copy of the bytes), so at most about twice its
 * length stays allocated for it. Shorter pieces (a slow client's small reads) are copied into
 * blocks of GATHER_BYTES, so a part never holds thousands of tiny buffers.
 */
export class PartChunks {
  private readonly list: Uint8Array[] = []
  private block: Buffer | undefined
  private used = 0
  /** The last chunk of `list` is a view of `block` ending at `used`. */
  private lastInBlock = false

  /** Appends `piece` (the caller never changes its bytes afterwards). */
  add(piece: Uint8Array): void {
    if (piece.length >= KEEP_BYTES) {
      this.list.push(piece)
      this.lastInBlock = false
      return
    }
    let rest = piece
    while (rest.length > 0) {
      if (!this.block || this.used === this.block.length) {
        this.block = Buffer.allocUnsafe(GATHER_BYTES)
        this.used = 0
        this.lastInBlock = false
      }
      const n = Math.min(rest.length, this.block.length - this.used)
      this.block.set(n === rest.length ? rest : rest.subarray(0, n), this.used)
      const start = this.lastInBlock ? this.used - (this.list.at(-1)?.length ?? 0) : this.used
      this.used += n
      const view = this.block.subarray(start, this.used)
      if (this.lastInBlock) this.list[this.list.length - 1] = view
      else this.list.push(view)
      this.lastInBlock = true
      rest = rest.subarray(n)
    }
  }

  /** The chunks so far, in order. */
  get chunks(): readonly Uint8Array[] {
    return this.list
  }
}

const CHUNKS = Symbol('part chunks')

/**
 * A part's chunks as a request body: a stream (what the AWS SDK takes; a Buffer it would hash
 * once more for SigV4) that also carries the list, which the lean S3 client writes at once
 * (`chunksOf`, hot-path-s3.ts): one corked write, not a socket write per chunk.
 */
export function chunksBody(chunks: readonly Uint8Array[]): Readable {
  return Object.assign(Readable.from(chunks, { objectMode: false }), { [CHUNKS]: chunks })
}

/** The chunks a `chunksBody` carries, else undefined. */
export function chunksOf(body: unknown): readonly Uint8Array[] | undefined {
  return body instanceof Readable
    ? (body as Readable & { [CHUNKS]?: readonly Uint8Array[] })[CHUNKS]
    : undefined
}
