import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { partsOf, resolveSource } from './source.ts'

async function collect(gen: AsyncIterable<{ partNumber: number; body: Buffer }>) {
  const out: [number, string][] = []
  for await (const p of gen) out.push([p.partNumber, p.body.toString()])
  return out
}

describe('partsOf', () => {
  it('cuts a stream into equal parts and a shorter last one, whatever the chunking', async () => {
    const stream = Readable.from([Buffer.from('abcd'), Buffer.from('efghij'), Buffer.from('k')])
    expect(await collect(partsOf(stream, 11, 3))).toEqual([
      [1, 'abc'],
      [2, 'def'],
      [3, 'ghi'],
      [4, 'jk'],
    ])
  })

  it('refuses a stream whose length is not the declared size', async () => {
    await expect(collect(partsOf(Readable.from([Buffer.from('abc')]), 4, 2))).rejects.toThrow(
      /had 3 bytes but size said 4/,
    )
  })
})

describe('resolveSource', () => {
  it('reads byte ranges of a file and names it after the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'uplink-src-'))
    try {
      await writeFile(join(dir, 'a.txt'), 'hello world')
      const src = await resolveSource(join(dir, 'a.txt'))
      expect([src.size, src.filename]).toEqual([11, 'a.txt'])
      expect((await src.read!(6, 11)).toString()).toBe('world')
      expect(src.identity).toContain('a.txt')
    } finally {
      await rm(dir, { recursive: true })
    }
  })

  it('needs the size of a Readable and says so', async () => {
    await expect(resolveSource(Readable.from(['x']))).rejects.toMatchObject({
      code: 'INVALID_SOURCE',
    })
    await expect(resolveSource('/no/such/file')).rejects.toMatchObject({ code: 'INVALID_SOURCE' })
  })
})
