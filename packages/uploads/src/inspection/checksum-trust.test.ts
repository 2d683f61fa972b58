import { silentLogger } from '@uplink/core'
import { describe, expect, it } from 'vitest'
import { type ChecksumProbe, ChecksumTrust } from './checksum-trust.ts'

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
