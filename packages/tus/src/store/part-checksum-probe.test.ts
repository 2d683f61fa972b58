import type { LeanS3 } from '@uplink/storage'
import { describe, expect, it } from 'vitest'
import { partChecksumProbe } from './part-checksum-probe.ts'

type Put = Parameters<LeanS3['putObject']>[0]

/** A store answering every PutObject with `answer` (a throw is the store's refusal). */
function store(answer: (input: Put) => void) {
  const puts: Put[] = []
  const deleted: string[] = []
  const lean = {
    putObject: async (input: Put) => {
      puts.push(input)
      answer(input)
      return { $metadata: {} }
    },
    deleteObject: async (input: { Key?: string }) => {
      deleted.push(input.Key ?? '')
      return { $metadata: {} }
    },
  } as unknown as Pick<LeanS3, 'putObject' | 'deleteObject'>
  return { lean, puts, deleted }
}

const failure = (status: number, Code: string) =>
  Object.assign(new Error(Code), { name: Code, Code, $metadata: { httpStatusCode: status } })

describe('partChecksumProbe', () => {
  it('sends a CRC32 (the parts’ algorithm) that does not match the body', async () => {
    const s = store(() => {
      throw failure(400, 'BadDigest')
    })
    expect(await partChecksumProbe(s.lean, 'b')()).toEqual({ refused: true })
    const [put] = s.puts
    expect(put?.ChecksumCRC32).toMatch(/^[A-Za-z0-9+/]{6}==$/)
    expect(put?.ChecksumSHA256).toBeUndefined()
    expect(put?.Key).toMatch(/^uplink-probes\/checksum-/)
  })

  it('reads BadDigest and MinIO’s XAmzContentChecksumMismatch as a refusal', async () => {
    for (const code of ['BadDigest', 'XAmzContentChecksumMismatch']) {
      const s = store(() => {
        throw failure(400, code)
      })
      expect(await partChecksumProbe(s.lean, 'b')()).toEqual({ refused: true })
    }
  })

  it('deletes what a store stored and says it does not refuse', async () => {
    const s = store(() => {})
    const answer = await partChecksumProbe(s.lean, 'b')()
    expect(answer).toMatchObject({ refused: false, why: expect.stringMatching(/crc32/) })
    expect(s.deleted).toEqual([s.puts[0]?.Key])
  })

  it('reads another refusal (403) as no, and throws on a 5xx or a network error', async () => {
    const forbidden = store(() => {
      throw failure(403, 'SignatureDoesNotMatch')
    })
    expect(await partChecksumProbe(forbidden.lean, 'b')()).toMatchObject({ refused: false })
    const down = store(() => {
      throw failure(503, 'SlowDown')
    })
    await expect(partChecksumProbe(down.lean, 'b')()).rejects.toThrow(/SlowDown/)
    const cut = store(() => {
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })
    })
    await expect(partChecksumProbe(cut.lean, 'b')()).rejects.toThrow(/hang up/)
  })
})
