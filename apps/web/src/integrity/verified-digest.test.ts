import { describe, expect, it } from 'vitest'
import { isVerified } from './verified-digest.tsx'

const digest = 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg='

describe('isVerified', () => {
  it('is true only when the stored SHA-256 equals the declared one', () => {
    expect(isVerified({ sha256: digest, declaredSha256: digest })).toBe(true)
    expect(isVerified({ sha256: digest, declaredSha256: null })).toBe(false)
    expect(isVerified({ sha256: null, declaredSha256: digest })).toBe(false)
    expect(isVerified({ sha256: null, declaredSha256: null })).toBe(false)
    expect(isVerified({ sha256: digest, declaredSha256: `${digest.slice(0, 42)}A=` })).toBe(false)
  })
})
