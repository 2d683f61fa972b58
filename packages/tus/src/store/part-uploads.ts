import { AsyncResource } from 'node:async_hooks'
import { createHash, type Hash, randomBytes } from 'node:crypto'
import { type FileHandle, open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { type Readable, Writable } from 'node:stream'
import { type PartChecksumAlgorithm, type PartHash, partHash } from './part-checksum.ts'
import type { PartMemory } from './part-memory.ts'

// A PATCH body into S3 parts: cut into part-sized buffers (from PartMemory while it has room) or
// temp files, hashed while written (PartFiles), each sent as it fills, at most `slots` of one
// upload filled or sent at once (uploadParts).

export interface PartUploadsOptions {
  /** Bytes per part. */
  partSize: number
  /** Where part files are buffered. */
  directory: string
  /** Parts of this upload being filled or sent at once (one part file each). */
  slots: number
  /** Number of the first part `source` fills. */
  firstPartNumber: number
  /** Upload offset of the first byte of `source`. */
  offset: number
  /** The upload's length; undefined while it is deferred. */
  length: number | undefined
  /** The checksum each part is sent with (the upload's). */
  checksum: PartChecksumAlgorithm
  /** Also hash each part with MD5 (`Content-MD5`, when S3 checksums are off). */
  md5: boolean
  /** Parts are held in memory while this has room (else in temp files). */
  memory?: PartMemory | undefined
  /** Sends one part file (starting at upload `offset`) to S3 and records it; then deletes it. */
  send: (part: PartFile, partNumber: number, isLast: boolean, offset: number) => Promise<void>
}

/**
 * Streams a PATCH body into part files and sends each as it fills; resolves to the bytes S3
 * stored. A part being filled or sent holds one of `slots`, so a client that stalls mid-part
 * holds one slot of its own and nothing other uploads need. When the body ends early (client
 * gone, idle timeout), the bytes already on disk are still sent, as a part or as the `.part`
 * object, so the resume starts after them.
 */
export async function uploadParts(source: Readable, options: PartUploadsOptions): Promise<number> {
  const slots = new Slots(options.slots)
  const uploads: Promise<void>[] = []
  let uploaded = 0
  let nextPart = options.firstPartNumber
  let position = options.offset
  let sendFailed = false

  const send = (part: PartFile) => {
    const partNumber = nextPart++
    const partOffset = position
    position += part.size
    const isLast = options.length === position
    // Parts go to S3 concurrently. A crash can leave a gap in the part list; the store counts
    // only the verified consecutive parts, and a resumed PATCH re-sends from the gap.
    const task = options
      .send(part, partNumber, isLast, partOffset)
      .then(() => {
        uploaded += part.size
      })
      .catch((err: unknown) => {
        sendFailed = true
        files.destroy(err as Error)
        throw err
      })
      .finally(async () => {
        await removePart(part)
        part.release()
      })
    task.catch(() => {})
    uploads.push(task)
  }

  const files = new PartFiles({
    partSize: options.partSize,
    directory: options.directory,
    acquire: () => slots.acquire(),
    // A part fills inside the request stream's own callbacks, outside the request's async
    // context: bound here, its S3 calls keep the request's id (and other per-request state).
    onPart: AsyncResource.bind(send),
    checksum: options.checksum,
    md5: options.md5,
    memory: options.memory,
  })
  try {
    await feed(source, files)
  } catch (err) {
    await closed(files)
    const partial = files.takePartial()
    if (partial && partial.size > 0 && !sendFailed) send(partial)
    else if (partial) {
      await removePart(partial)
      partial.release()
    }
    uploads.push(Promise.reject(err))
  }
  // Never return while a part upload still runs in the background.
  await Promise.allSettled(uploads)
  await Promise.all(uploads)
  return uploaded
}

/** Resolves once `stream` has emitted `close` (its files are closed). */
const closed = (stream: Writable) =>
  stream.closed ? Promise.resolve() : new Promise<void>((resolve) => stream.once('close', resolve))

/** Deletes a part's temp file (a part held in memory has none). */
const removePart = async (part: PartFile) => {
  if (part.path) await rm(part.path, { force: true }).catch(() => {})
}

/**
 * Pipes `source` into `splitter` and settles when the splitter has written everything. Unlike
 * `pipeline`, a splitter error does not destroy `source`: the caller's pipeline (and so the tus
 * lock) must not end before this write has stored what it received.
 */
function feed(source: Readable, splitter: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error) => {
      source.unpipe(splitter)
      if (!splitter.destroyed) splitter.destroy(err)
      reject(err)
    }
    source.once('error', fail)
    splitter.once('error', fail)
    splitter.once('finish', () => {
      source.off('error', fail)
      resolve()
    })
    source.pipe(splitter)
  })
}

/**
 * One part: a part-sized temp file, or a buffer in memory when `PartFilesOptions.memory` had
 * room, with the checksum (and MD5, when asked) of the bytes written to it.
 */
export interface PartFile {
  /** The temp file; '' for a part held in memory (`data`). */
  path: string
  /** The part's bytes, when it was held in memory (exactly `size` bytes). */
  data?: Buffer | undefined
  /** Bytes written. After a failed write the file may hold more: only this prefix counts. */
  size: number
  /** Base64 checksum of exactly those `size` bytes, as S3's `x-amz-checksum-*` header wants it. */
  checksum: string
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
  /** The checksum of each part (the upload's, `partChecksumOf`). */
  checksum: PartChecksumAlgorithm
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
  hash: PartHash
  md5: Hash | undefined
  release: () => void
}

/** Writes up to 1 MiB queued while a write runs in one writev call. */
const BATCH_BYTES = 1024 * 1024

/**
 * Splits a stream into parts, each in memory while `memory` has room (one copy, no disk) or
 * else in a part-sized temp file, and hashes each part while writing it, so the checksum sent
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

  /**
   * One chunk that fits in the part being filled in memory is copied and hashed at once: no
   * promise per chunk (the body arrives in ~64 KiB chunks, thousands per part). Anything else
   * (a chunk that fills or opens a part, a part on disk) takes the asynchronous path.
   */
  override _write(chunk: Uint8Array, _encoding: string, done: (err?: Error | null) => void): void {
    const part = this.current
    if (part?.buffer && part.size + chunk.length < this.options.partSize) {
      copyInto(part, chunk)
      done()
      return
    }
    this._writev([{ chunk }], done)
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
    const hash = partHash(this.options.checksum)
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
  checksum: part.hash.digest(),
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
    for (const chunk of chunks) copyInto(part, chunk)
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

/** Copies `chunk` into the in-memory part after its bytes, then counts and hashes it. */
function copyInto(part: OpenPart, chunk: Uint8Array): void {
  ;(part.buffer as Buffer).set(chunk, part.size)
  part.hash.update(chunk)
  part.md5?.update(chunk)
  part.size += chunk.length
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

/** A counting semaphore: at most `size` holders; `acquire` resolves to the release. */
export class Slots {
  private free: number
  private readonly waiting: (() => void)[] = []

  constructor(size: number) {
    this.free = Math.max(1, size)
  }

  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--
    else await new Promise<void>((resolve) => this.waiting.push(resolve))
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiting.shift()
      if (next) next()
      else this.free++
    }
  }
}
