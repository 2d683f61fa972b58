import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { PatchChecksums } from './patch-checksums.ts'

/** A hasher that records which byte ranges it was asked for (by their contents' length). */
function recordingHasher() {
  const asked: string[] = []
  return {
    asked,
    async hash(blob: Blob) {
      const bytes = new Uint8Array(await blob.arrayBuffer())
      asked.push(`${bytes[0]}+${bytes.length}`)
      return createHash('sha256').update(bytes).digest('base64')
    },
  }
}

const file = new Blob([Uint8Array.from({ length: 25 }, (_, i) => i)])
const sha = (from: number, to: number) =>
  `sha256 ${createHash('sha256')
    .update(Uint8Array.from({ length: to - from }, (_, i) => from + i))
    .digest('base64')}`

describe('PatchChecksums', () => {
  it('gives the SHA-256 of the body tus sends at an offset, the last one short', async () => {
    const sums = new PatchChecksums(file, 10, recordingHasher())
    expect(await sums.header(0)).toBe(sha(0, 10))
    expect(await sums.header(10)).toBe(sha(10, 20))
    expect(await sums.header(20)).toBe(sha(20, 25))
  })

  it('hashes the next body ahead, once, and an unaligned offset after a resume anew', async () => {
    const hasher = recordingHasher()
    const sums = new PatchChecksums(file, 10, hasher)
    await sums.header(0)
    await sums.header(10)
    expect(await sums.header(13)).toBe(sha(13, 23))
    await sums.header(23)
    expect(hasher.asked).toEqual(['0+10', '10+10', '20+5', '13+10', '23+2'])
  })

  it('uses the digests from the whole-file pass without hashing again', async () => {
    const hasher = recordingHasher()
    const sums = new PatchChecksums(file, 10, hasher)
    sums.seed(0, 'A')
    sums.seed(10, 'B')
    sums.seed(20, 'C')
    expect([await sums.header(0), await sums.header(10), await sums.header(20)]).toEqual([
      'sha256 A',
      'sha256 B',
      'sha256 C',
    ])
    expect(hasher.asked).toEqual([])
  })
})
