import { createReadStream } from 'node:fs'
import { open, realpath, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { Readable } from 'node:stream'
import { UplinkError } from './errors.ts'

/** What `uploadFile` accepts: a file path, bytes in memory, or a stream of known size. */
export type UploadSource = string | Buffer | Uint8Array | Blob | Readable

/** A source resolved to what the upload methods need. */
export interface ResolvedSource {
  size: number
  /** The file's own name, when it has one. */
  filename: string | undefined
  /** Stable identity for resume state (path + size + mtime); undefined when not resumable. */
  identity: string | undefined
  /** Random access to a byte range [start, end); undefined for a one-shot stream. */
  read: ((start: number, end: number) => Promise<Buffer>) | undefined
  /** The bytes from the start, as a stream. */
  stream(): Readable
  /** The file path, when the source is one (tus-js-client reads it directly). */
  path: string | undefined
}

/** Resolves a source; a Readable needs `size`, the others know their own. */
export async function resolveSource(
  source: UploadSource,
  size?: number | undefined,
): Promise<ResolvedSource> {
  if (typeof source === 'string') {
    const path = await realpath(source).catch((err: Error) => {
      throw new UplinkError('INVALID_SOURCE', `cannot read ${source}: ${err.message}`, {
        cause: err,
      })
    })
    const info = await stat(path)
    if (!info.isFile()) throw new UplinkError('INVALID_SOURCE', `${source} is not a file`)
    return {
      size: info.size,
      filename: basename(path),
      identity: JSON.stringify([path, info.size, info.mtimeMs]),
      read: (start, end) => readRange(path, start, end),
      stream: () => createReadStream(path),
      path,
    }
  }
  if (source instanceof Uint8Array) {
    const buf = Buffer.from(source.buffer, source.byteOffset, source.byteLength)
    return {
      size: buf.length,
      filename: undefined,
      identity: undefined,
      read: async (start, end) => buf.subarray(start, end),
      stream: () => Readable.from([buf]),
      path: undefined,
    }
  }
  if (source instanceof Blob) {
    return {
      size: source.size,
      filename: typeof (source as File).name === 'string' ? (source as File).name : undefined,
      identity: undefined,
      read: async (start, end) => Buffer.from(await source.slice(start, end).arrayBuffer()),
      stream: () => Readable.fromWeb(source.stream() as Parameters<typeof Readable.fromWeb>[0]),
      path: undefined,
    }
  }
  if (source instanceof Readable) {
    if (size === undefined || !Number.isSafeInteger(size) || size <= 0) {
      throw new UplinkError('INVALID_SOURCE', 'a Readable source needs its size: pass { size }')
    }
    let used = false
    return {
      size,
      filename: undefined,
      identity: undefined,
      read: undefined,
      stream: () => {
        if (used) throw new UplinkError('INVALID_SOURCE', 'a Readable source can be read only once')
        used = true
        return source
      },
      path: undefined,
    }
  }
  throw new UplinkError('INVALID_SOURCE', 'the source must be a path, Buffer, Blob or Readable')
}

/** Reads exactly [start, end) of a file. */
async function readRange(path: string, start: number, end: number): Promise<Buffer> {
  const handle = await open(path, 'r')
  try {
    const buf = Buffer.alloc(end - start)
    let done = 0
    while (done < buf.length) {
      const { bytesRead } = await handle.read(buf, done, buf.length - done, start + done)
      if (bytesRead === 0) throw new UplinkError('INVALID_SOURCE', `${path} shrank while uploading`)
      done += bytesRead
    }
    return buf
  } finally {
    await handle.close()
  }
}

/**
 * The stream cut into parts of `partSize` bytes (the last shorter), in order. Concurrent
 * `next()` calls on an async generator queue up, so parallel workers each get the next part.
 */
export async function* partsOf(
  stream: AsyncIterable<Buffer | Uint8Array | string>,
  size: number,
  partSize: number,
): AsyncGenerator<{ partNumber: number; body: Buffer }> {
  let pending: Buffer[] = []
  let pendingBytes = 0
  let partNumber = 1
  let total = 0
  for await (const chunk of stream) {
    let buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk)
    total += buf.length
    while (pendingBytes + buf.length >= partSize) {
      const take = partSize - pendingBytes
      pending.push(buf.subarray(0, take))
      yield { partNumber: partNumber++, body: Buffer.concat(pending) }
      buf = buf.subarray(take)
      pending = []
      pendingBytes = 0
    }
    if (buf.length) {
      pending.push(buf)
      pendingBytes += buf.length
    }
  }
  if (total !== size) {
    throw new UplinkError('INVALID_SOURCE', `the stream had ${total} bytes but size said ${size}`)
  }
  if (pendingBytes) yield { partNumber, body: Buffer.concat(pending) }
}
