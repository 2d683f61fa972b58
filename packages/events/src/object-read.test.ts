import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { ObjectRead } from './object-read.ts'

const KiB = 1024
const bytes = (n: number, seed: number) => Buffer.alloc(n, seed)

describe('ObjectRead', () => {
  it('hands out the head as a copy of its own bytes only, not of the whole first chunk', async () => {
    const chunks = [bytes(512 * KiB, 1), bytes(100, 2)]
    const read = new ObjectRead(Readable.from(chunks))
    const head = await read.head(4100)
    expect(head).toEqual(bytes(4100, 1))
    // The big first read stays where it was: the head keeps no 512 KiB buffer alive.
    expect(head.buffer.byteLength).toBeLessThan(chunks[0]!.length)
    const whole = Buffer.concat(chunks)
    expect(await read.finish()).toEqual({
      sha256: createHash('sha256').update(whole).digest('base64'),
      size: whole.length,
    })
  })

  it('gives the whole object as its head when it is shorter, across chunks', async () => {
    const read = new ObjectRead(Readable.from([bytes(3, 1), bytes(4, 2)]))
    expect(await read.head(4100)).toEqual(Buffer.concat([bytes(3, 1), bytes(4, 2)]))
    const out: Buffer[] = []
    for await (const chunk of read.bytes()) out.push(chunk)
    expect(Buffer.concat(out)).toEqual(Buffer.concat([bytes(3, 1), bytes(4, 2)]))
    expect((await read.finish()).size).toBe(7)
  })
})
