import { createHash, type Hash, randomBytes } from 'node:crypto'
import { type FileHandle, open } from 'node:fs/promises'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import type { PartMemory } from './part-memory.ts'

/**
 * One part: a part-sized temp file, or a buffer in memory when `PartFilesOptions.memory` had
 * room, with the SHA-256 (and MD5, when asked) of the bytes written to it.
 */
export interface PartFile {
  /** The temp file; '' for a part held in memory (`data`). */
  path: string
  /** The part's bytes, when it was held in memory (exactly `size` bytes). */
  data?: Buffer | undefined
  /** Bytes written. After a failed write the file may hold more: only this prefix counts. */
  size: number
  /** Base64 SHA-256 of exactly those `size` bytes, as S3's `x-amz-checksum-sha256` wants it. */
  sha256: string
  /** Base64 MD5 of the same bytes, as `Content-MD5` wants it (only with `PartFilesOptions.md5`). */
  md5?: string | undefined
  /** Frees the slot the part held (see `PartFilesOptions.acquire`); safe to call twice. */
  release: () => void
}

export interface PartFilesOptions {
  /** Bytes per part file. */
  partSize: number
  /** Where part files are created. */
  directory: string
  /** Waits for room before a part file is opened; resolves to the function that frees it. */
  acquire: () => Promise<() => void>
  /** Told each full part, and the last one when the stream ends. */
  onPart: (part: PartFile) => void
  /** Also hash each part with MD5 (for `Content-MD5`, when S3 checksums are off). */
  md5?: boolean
  /**
   * Where a part is buffered in memory while there is room (no write to disk and no read
   * back); without one, or when it is full, the part goes to a temp file.
   */
  memory?: PartMemory | undefined
}

interface OpenPart {
  path: string
  /** The temp file; undefined for a part held in `buffer`. */
  handle: FileHandle | undefined
  buffer: Buffer | undefined
  size: number
  hash: Hash
  md5: Hash | undefined
  release: () => void
}

/** Writes up to 1 MiB queued while a write runs in one writev call. */
const BATCH_BYTES = 1024 * 1024

/**
 * Splits a stream into parts, each in memory while `memory` has room (one copy, no disk) or
 * else in a part-sized temp file, and hashes each part while writing it, so the SHA-256 sent
 * with a part costs no second read. A byte counts (in `size` and in the hash) only once it is
 * in the buffer or on disk, so the digest is of the part's first `size` bytes, which are the
 * bytes sent to S3.
 */
export class PartFiles extends Writable {
  private readonly options: PartFilesOptions
  private current: OpenPart | undefined
  private writing: Promise<unknown> = Promise.resolve()

  constructor(options: PartFilesOptions) {
    super({ highWaterMark: BATCH_BYTES })
    this.options = options
  }

  /**
   * After an error: the part being filled with what was written of it, or undefined. The file
   * is closed once the stream has emitted `close`; call this then.
   */
  takePartial(): PartFile | undefined {
    const part = this.current
    this.current = undefined
    return part && toPartFile(part)
  }

  override _writev(chunks: { chunk: Uint8Array }[], done: (err?: Error | null) => void): void {
    const run = this.writeAll(chunks.map((c) => c.chunk))
    this.writing = run.catch(() => {})
    run.then(() => done(), done)
  }

  override _final(done: (err?: Error | null) => void): void {
    const run = this.finishPart()
    this.writing = run.catch(() => {})
    run.then(() => done(), done)
  }

  /** Waits for the write in flight, then closes the part file (kept for takePartial). */
  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.writing
      .then(() => this.current?.handle?.close())
      .catch(() => {})
      .then(() => done(err))
  }

  private async writeAll(chunks: Uint8Array[]): Promise<void> {
    const { partSize } = this.options
    let batch: Uint8Array[] = []
    let batchBytes = 0
    for (let chunk of chunks) {
      while (chunk.length > 0) {
        const part = this.current ?? (await this.openPart())
        if (!part) return // destroyed while waiting for a slot
        const room = partSize - part.size - batchBytes
        const piece = chunk.length <= room ? chunk : chunk.subarray(0, room)
        batch.push(piece)
        batchBytes += piece.length
        chunk = chunk.subarray(piece.length)
        if (part.size + batchBytes === partSize) {
          await append(part, batch)
          batch = []
          batchBytes = 0
          await this.finishPart()
        }
      }
    }
    if (this.current && batch.length > 0) await append(this.current, batch)
  }

  private async openPart(): Promise<OpenPart | undefined> {
    const release = await this.options.acquire()
    if (this.destroyed) {
      release()
      return undefined
    }
    const hash = createHash('sha256')
    const md5 = this.options.md5 ? createHash('md5') : undefined
    const { partSize } = this.options
    const lent = this.options.memory?.take(partSize)
    if (lent) {
      const { buffer } = lent
      const free = () => {
        lent.giveBack()
        release()
      }
      this.current = { path: '', handle: undefined, buffer, size: 0, hash, md5, release: free }
      return this.current
    }
    const path = join(this.options.directory, `part-${randomBytes(8).toString('hex')}`)
    try {
      const handle = await open(path, 'w')
      this.current = { path, handle, buffer: undefined, size: 0, hash, md5, release }
      return this.current
    } catch (err) {
      release()
      throw err
    }
  }

  private async finishPart(): Promise<void> {
    const part = this.current
    if (!part) return
    await part.handle?.close()
    this.current = undefined
    this.options.onPart(toPartFile(part))
  }
}

const toPartFile = (part: OpenPart): PartFile => ({
  path: part.path,
  data: part.buffer?.subarray(0, part.size),
  size: part.size,
  sha256: part.hash.digest('base64'),
  md5: part.md5?.digest('base64'),
  release: part.release,
})

/**
 * Appends `chunks` to the part (its buffer, or its file), then counts and hashes them. A file
 * write that stops short (a full disk) is continued, so the error that stops it is the real one
 * (ENOSPC → 507).
 */
async function append(part: OpenPart, chunks: Uint8Array[]): Promise<void> {
  if (part.buffer) {
    for (const chunk of chunks) {
      part.buffer.set(chunk, part.size)
      part.hash.update(chunk)
      part.md5?.update(chunk)
      part.size += chunk.length
    }
    return
  }
  let rest = chunks
  while (rest.length > 0) {
    const handle = part.handle as FileHandle
    const { bytesWritten } = await handle.writev(rest)
    if (bytesWritten === 0) throw new Error(`writing ${part.path} made no progress`)
    rest = dropBytes(rest, bytesWritten)
  }
  for (const chunk of chunks) {
    part.hash.update(chunk)
    part.md5?.update(chunk)
    part.size += chunk.length
  }
}

/** `chunks` without their first `n` bytes. */
function dropBytes(chunks: Uint8Array[], n: number): Uint8Array[] {
  const out: Uint8Array[] = []
  let skip = n
  for (const chunk of chunks) {
    if (skip >= chunk.length) {
      skip -= chunk.length
      continue
    }
    out.push(skip > 0 ? chunk.subarray(skip) : chunk)
    skip = 0
  }
  return out
}
