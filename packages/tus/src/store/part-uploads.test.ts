import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough, Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { KiB } from '../testing/memory-store.ts'
import type { PartFile } from './part-files.ts'
import { type PartUploadsOptions, uploadParts } from './part-uploads.ts'

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
