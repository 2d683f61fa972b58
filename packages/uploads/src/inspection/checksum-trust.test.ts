import { silentLogger } from '@uplink/core'
import { describe, expect, it } from 'vitest'
import { type ChecksumProbe, ChecksumTrust, checksumProbe } from './checksum-trust.ts'

const counting = (answer: () => ReturnType<ChecksumProbe>) => {
  const probe = Object.assign(
    () => {
      probe.calls++
      return answer()
    },
    { calls: 0 },
  )
  return probe
}

describe('ChecksumTrust', () => {
  it('trusts a store that refuses a wrong checksum, probing once for many uploads', async () => {
    const probe = counting(async () => ({ refused: true }))
    const trust = new ChecksumTrust({ checksums: true, probe, log: silentLogger })
    expect(trust.known).toBeUndefined()
    expect(await Promise.all([trust.trusted(), trust.trusted(), trust.trusted()])).toEqual([
      true,
      true,
      true,
    ])
    expect(await trust.trusted()).toBe(true)
    expect(trust.known).toBe(true)
    expect(probe.calls).toBe(1)
  })

  it('distrusts a store that stored a wrong checksum, and remembers it', async () => {
    const probe = counting(async () => ({ refused: false, why: 'stored it' }))
    const trust = new ChecksumTrust({ checksums: true, probe, log: silentLogger })
    expect(await trust.trusted()).toBe(false)
    expect(await trust.trusted()).toBe(false)
    expect(probe.calls).toBe(1)
  })

  it('never probes when part checksums are off', async () => {
    const probe = counting(async () => ({ refused: true }))
    const trust = new ChecksumTrust({ checksums: false, probe, log: silentLogger })
    expect(trust.known).toBe(false)
    expect(await trust.trusted()).toBe(false)
    expect(probe.calls).toBe(0)
  })

  it('asks again after a probe that failed transiently (answering no meanwhile)', async () => {
    let down = true
    const probe = counting(async () => {
      if (down) throw new Error('503')
      return { refused: true }
    })
    const trust = new ChecksumTrust({ checksums: true, probe, log: silentLogger })
    expect(await trust.trusted()).toBe(false)
    expect(trust.known).toBeUndefined()
    down = false
    expect(await trust.trusted()).toBe(true)
    expect(probe.calls).toBe(2)
  })
})

describe('checksumProbe', () => {
  const storage = (deleted: string[]) => ({
    presignPut: async (input: { key: string; sha256?: string | undefined }) => ({
      url: `http://store/${input.key}`,
      method: 'PUT' as const,
      headers: { 'x-amz-checksum-sha256': input.sha256 ?? '' },
      expiresAt: new Date(),
    }),
    delete: async (key: string) => {
      deleted.push(key)
    },
  })
  const answering = (status: number, body = '') =>
    (async () => new Response(body, { status })) as typeof fetch

  it('reads BadDigest and MinIO’s XAmzContentChecksumMismatch as a refusal', async () => {
    for (const code of ['BadDigest', 'XAmzContentChecksumMismatch']) {
      const probe = checksumProbe(
        storage([]),
        answering(400, `<Error><Code>${code}</Code></Error>`),
      )
      expect(await probe()).toEqual({ refused: true })
    }
  })

  it('deletes what a store stored and says it does not refuse', async () => {
    const deleted: string[] = []
    const answer = await checksumProbe(storage(deleted), answering(200))()
    expect(answer.refused).toBe(false)
    expect(deleted).toHaveLength(1)
    expect(deleted[0]).toMatch(/^uplink-probes\/checksum-/)
  })

  it('reads another refusal (403) as no, and throws on a 5xx', async () => {
    const forbidden = checksumProbe(
      storage([]),
      answering(403, '<Error><Code>SignatureDoesNotMatch</Code></Error>'),
    )
    expect(await forbidden()).toMatchObject({ refused: false })
    await expect(checksumProbe(storage([]), answering(503))()).rejects.toThrow(/503/)
  })
})
