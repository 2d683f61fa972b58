import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { describe, expect, it } from 'vitest'
import { KiB } from '../testing/memory-store.ts'
import { checksumOf, type PartChecksumAlgorithm } from './part-checksum.ts'
import { PartMemory } from './part-memory.ts'
import {
  type PartFile,
  PartFiles,
  type PartUploadsOptions,
  Slots,
  uploadParts,
} from './part-uploads.ts'

interface Sent {
  partNumber: number
  offset: number
  isLast: boolean
  bytes: Buffer
}

/** uploadParts with parts of 4 KiB, recording what it sends (`send` may be replaced). */
function options(overrides: Partial<PartUploadsOptions> = {}) {
  const sent: Sent[] = []
  const opts: PartUploadsOptions = {
    partSize: 4 * KiB,
    directory: mkdtempSync(join(tmpdir(), 'uplink-part-uploads-')),
    slots: 4,
    firstPartNumber: 1,
    offset: 0,
    length: 16 * KiB,
    checksum: 'CRC32',
    md5: false,
    send: async (part: PartFile, partNumber, isLast, offset) => {
      const bytes = readFileSync(part.path).subarray(0, part.size)
      sent.push({ partNumber, offset, isLast, bytes })
    },
    ...overrides,
  }
  return { opts, sent }
}

describe('uploadParts', () => {
  it('numbers parts from the first part number, gives each its upload offset, and marks the one that ends the upload', async () => {
    const data = randomBytes(10 * KiB)
    const { opts, sent } = options({ firstPartNumber: 2, offset: 6 * KiB })
    expect(await uploadParts(Readable.from([data]), opts)).toBe(data.length)
    sent.sort((a, b) => a.partNumber - b.partNumber)
    expect(sent.map(({ partNumber, offset, isLast }) => ({ partNumber, offset, isLast }))).toEqual([
      { partNumber: 2, offset: 6 * KiB, isLast: false },
      { partNumber: 3, offset: 10 * KiB, isLast: false },
      { partNumber: 4, offset: 14 * KiB, isLast: true },
    ])
    expect(Buffer.concat(sent.map((s) => s.bytes))).toEqual(data)
  })

  it('sends the bytes on disk when the body ends early, then throws the body error', async () => {
    const data = randomBytes(6 * KiB)
    let firstSent!: () => void
    const first = new Promise<void>((resolve) => {
      firstSent = resolve
    })
    const { opts, sent } = options()
    const record = opts.send
    opts.send = async (...args) => {
      await record(...args)
      firstSent()
    }
    const body = new PassThrough()
    const upload = uploadParts(body, opts)
    body.write(data)
    await first
    body.destroy(new Error('client gone'))
    await expect(upload).rejects.toThrow('client gone')
    expect(Buffer.concat(sent.map((s) => s.bytes))).toEqual(data)
    expect(sent.at(-1)).toMatchObject({ partNumber: 2, offset: 4 * KiB, isLast: false })
  })

  it('sends no partial part after a send failed, and throws the send error', async () => {
    const data = randomBytes(16 * KiB)
    const { opts, sent } = options({ slots: 1 })
    const record = opts.send
    opts.send = async (part, partNumber, isLast, offset) => {
      if (partNumber === 2) throw new Error('S3 refused part 2')
      await record(part, partNumber, isLast, offset)
    }
    await expect(uploadParts(Readable.from([data]), opts)).rejects.toThrow('S3 refused part 2')
    expect(sent.map((s) => s.partNumber)).toEqual([1])
  })

  it('does not return while a part is still being sent', async () => {
    const data = randomBytes(8 * KiB)
    const { opts } = options({ length: 8 * KiB })
    let sending = 0
    let finished = 0
    opts.send = async (_part, partNumber) => {
      sending++
      // Part 1 is still on its way when the body has ended.
      if (partNumber === 1) await new Promise((r) => setImmediate(r))
      finished++
    }
    await uploadParts(Readable.from([data]), opts)
    expect({ sending, finished }).toEqual({ sending: 2, finished: 2 })
  })

  it("frees a part's slot once it is sent, so one slot carries any number of parts", async () => {
    const data = randomBytes(32 * KiB)
    const { opts, sent } = options({ slots: 1, length: 32 * KiB })
    expect(await uploadParts(Readable.from([data]), opts)).toBe(data.length)
    expect(sent.map((s) => s.partNumber)).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
  })
})

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('base64')
const crc32 = (data: Buffer) => checksumOf('CRC32', data)

/** `data` cut into chunks of random sizes, some larger than a part. */
function* randomChunks(data: Buffer, max: number): Generator<Buffer> {
  for (let at = 0; at < data.length; ) {
    const size = 1 + Math.floor(Math.random() * max)
    yield data.subarray(at, at + size)
    at += size
  }
}

/** Polls until `ready()` holds (the machine may be loaded: no fixed sleeps before asserting). */
async function until(ready: () => boolean) {
  for (let waited = 0; !ready(); waited += 10) {
    if (waited > 10_000) throw new Error('timed out waiting')
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** Resolves once `stream` has emitted `close` (takePartial is for after that). */
const closed = (stream: Writable) =>
  stream.closed ? Promise.resolve() : new Promise<void>((resolve) => stream.once('close', resolve))

const md5 = (data: Buffer) => createHash('md5').update(data).digest('base64')

function partFiles(
  partSize: number,
  slots = new Slots(64),
  withMd5 = false,
  checksum: PartChecksumAlgorithm = 'CRC32',
) {
  const directory = mkdtempSync(join(tmpdir(), 'uplink-part-files-'))
  const parts: PartFile[] = []
  let acquires = 0
  const files = new PartFiles({
    partSize,
    directory,
    acquire: () => {
      acquires++
      return slots.acquire()
    },
    onPart: (part) => parts.push(part),
    checksum,
    md5: withMd5,
  })
  return { files, parts, directory, acquires: () => acquires }
}

describe('PartFiles', () => {
  it('splits a stream into part files whose CRC32 is that of the bytes in each file', async () => {
    const data = randomBytes(1_000_003)
    const { files, parts } = partFiles(100_000)
    await pipeline(Readable.from(randomChunks(data, 250_000)), files)
    expect(parts.map((p) => p.size)).toEqual([...Array(10).fill(100_000), 3])
    let at = 0
    for (const part of parts) {
      const slice = data.subarray(at, at + part.size)
      expect(readFileSync(part.path).equals(slice)).toBe(true)
      expect(part.checksum).toBe(crc32(slice))
      at += part.size
    }
  })

  it('hashes each part with SHA-256 instead for an upload created with it (before CRC32)', async () => {
    const data = randomBytes(250_003)
    const { files, parts } = partFiles(100_000, new Slots(64), false, 'SHA256')
    await pipeline(Readable.from(randomChunks(data, 70_000)), files)
    let at = 0
    for (const part of parts) {
      expect(part.checksum).toBe(sha256(data.subarray(at, at + part.size)))
      at += part.size
    }
    expect(at).toBe(data.length)
  })

  it('hashes each part with MD5 too when asked (Content-MD5 with S3 checksums off), and only then', async () => {
    const data = randomBytes(250_003)
    const withMd5 = partFiles(100_000, new Slots(64), true)
    await pipeline(Readable.from(randomChunks(data, 70_000)), withMd5.files)
    expect(withMd5.parts.map((p) => p.md5)).toEqual([
      md5(data.subarray(0, 100_000)),
      md5(data.subarray(100_000, 200_000)),
      md5(data.subarray(200_000)),
    ])
    const without = partFiles(100_000)
    await pipeline(Readable.from(randomChunks(data, 70_000)), without.files)
    expect(without.parts.map((p) => p.md5)).toEqual([undefined, undefined, undefined])
  })

  it('after an error, gives the part being filled with the digest of exactly its counted bytes', async () => {
    const data = randomBytes(250_000)
    // The third part's slot is given by hand, so the error comes while its file is opening.
    let giveThird = () => {}
    const third = new Promise<void>((resolve) => {
      giveThird = resolve
    })
    let acquires = 0
    const parts: PartFile[] = []
    const files = new PartFiles({
      partSize: 100_000,
      checksum: 'CRC32',
      directory: mkdtempSync(join(tmpdir(), 'uplink-part-files-')),
      acquire: async () => {
        if (++acquires === 3) await third
        return () => {}
      },
      onPart: (part) => parts.push(part),
    })
    const source = new Readable({ read() {} })
    const done = pipeline(source, files).catch((err: Error) => err)
    source.push(data)
    await until(() => acquires === 3)
    giveThird()
    source.destroy(new Error('client went away'))
    expect(String(await done)).toContain('client went away')
    // pipeline settles on the source's error before PartFiles has closed (its _destroy waits
    // for the write in flight): the partial part is complete only after `close`.
    await closed(files)
    const partial = files.takePartial()
    expect(parts.map((p) => p.size)).toEqual([100_000, 100_000])
    expect(partial?.size).toBe(50_000)
    const onDisk = readFileSync(partial?.path ?? '').subarray(0, partial?.size)
    expect(onDisk.equals(data.subarray(200_000))).toBe(true)
    expect(partial?.checksum).toBe(crc32(onDisk))
  })

  it('opens a part file only when a slot is free', async () => {
    const slots = new Slots(2)
    const { files, parts, directory, acquires } = partFiles(10_000, slots)
    const done = pipeline(Readable.from(randomChunks(randomBytes(45_000), 4_000)), files)
    // The third part has asked for a slot: from here on it can only wait.
    await until(() => parts.length === 2 && acquires() === 3)
    // Two parts hold the two slots; the third waits without a file.
    expect(parts).toHaveLength(2)
    expect(await readdir(directory)).toHaveLength(2)
    for (const part of parts.slice()) part.release()
    await until(() => parts.length === 4)
    for (const part of parts.slice(2)) part.release()
    await done
    expect(parts.map((p) => p.size)).toEqual([10_000, 10_000, 10_000, 10_000, 5_000])
  })

  it('holds parts in memory while the budget has room, in files beyond it, and frees the room on release', async () => {
    const data = randomBytes(35_000)
    const memory = new PartMemory(20_000)
    const directory = mkdtempSync(join(tmpdir(), 'uplink-part-memory-'))
    const parts: PartFile[] = []
    const files = new PartFiles({
      partSize: 10_000,
      checksum: 'CRC32',
      directory,
      acquire: async () => () => {},
      onPart: (part) => parts.push(part),
      memory,
    })
    await pipeline(Readable.from(randomChunks(data, 7_000)), files)
    expect(parts.map((p) => p.size)).toEqual([10_000, 10_000, 10_000, 5_000])
    // Two parts fit the budget; the next two went to files.
    expect(parts.map((p) => p.data !== undefined)).toEqual([true, true, false, false])
    expect(await readdir(directory)).toHaveLength(2)
    let at = 0
    for (const part of parts) {
      const bytes = part.data ?? readFileSync(part.path).subarray(0, part.size)
      expect(bytes.equals(data.subarray(at, at + part.size))).toBe(true)
      expect(part.checksum).toBe(crc32(bytes))
      at += part.size
    }
    expect(memory.available).toBe(0)
    for (const part of parts) part.release()
    // Released buffers are kept for the next parts: a new stream fills them again.
    const again: PartFile[] = []
    const more = new PartFiles({
      partSize: 10_000,
      checksum: 'CRC32',
      directory,
      acquire: async () => () => {},
      onPart: (part) => again.push(part),
      memory,
    })
    await pipeline(Readable.from([data.subarray(0, 20_000)]), more)
    expect(again.map((p) => p.data !== undefined)).toEqual([true, true])
    expect(
      Buffer.concat(again.map((p) => p.data ?? Buffer.alloc(0))).equals(data.subarray(0, 20_000)),
    ).toBe(true)
  })

  it('gives the part being filled in memory after an error, with the digest of its bytes', async () => {
    const data = randomBytes(25_000)
    const parts: PartFile[] = []
    const files = new PartFiles({
      partSize: 10_000,
      checksum: 'CRC32',
      directory: mkdtempSync(join(tmpdir(), 'uplink-part-memory-')),
      acquire: async () => () => {},
      onPart: (part) => parts.push(part),
      memory: new PartMemory(100_000),
    })
    const source = new Readable({ read() {} })
    const done = pipeline(source, files).catch((err: Error) => err)
    source.push(data)
    await until(() => parts.length === 2)
    source.destroy(new Error('client went away'))
    expect(String(await done)).toContain('client went away')
    await closed(files)
    const partial = files.takePartial()
    expect(partial?.size).toBe(5_000)
    expect(partial?.data?.equals(data.subarray(20_000))).toBe(true)
    expect(partial?.checksum).toBe(crc32(data.subarray(20_000)))
  })

  it('takes a chunk that fits in the part being filled in memory at once, without queueing it', async () => {
    const data = randomBytes(25_000)
    const parts: PartFile[] = []
    const files = new PartFiles({
      partSize: 10_000,
      checksum: 'CRC32',
      directory: mkdtempSync(join(tmpdir(), 'uplink-part-memory-')),
      acquire: async () => () => {},
      onPart: (part) => parts.push(part),
      memory: new PartMemory(100_000),
    })
    // The first chunk opens the part (asynchronously: it waits for a slot).
    await new Promise<void>((resolve, reject) =>
      files.write(data.subarray(0, 1_000), (err) => (err ? reject(err) : resolve())),
    )
    // Each next chunk that fits is copied and hashed before write() returns.
    for (let at = 1_000; at < 9_000; at += 1_000) {
      files.write(data.subarray(at, at + 1_000))
      expect(files.writableLength).toBe(0)
    }
    files.end(data.subarray(9_000))
    await closed(files)
    expect(parts.map((p) => p.size)).toEqual([10_000, 10_000, 5_000])
    expect(Buffer.concat(parts.map((p) => p.data ?? Buffer.alloc(0))).equals(data)).toBe(true)
    expect(parts.map((p) => p.checksum)).toEqual([
      crc32(data.subarray(0, 10_000)),
      crc32(data.subarray(10_000, 20_000)),
      crc32(data.subarray(20_000)),
    ])
  })
})
