import { describe, expect, it } from 'vitest'
import { parseTrustProxy } from './trust-proxy.ts'

describe('parseTrustProxy', () => {
  it('trusts no proxy for false, 0 or nothing', () => {
    for (const text of ['false', '0', '']) expect(parseTrustProxy(text)).toBe(false)
  })

  it('reads true as the one proxy in front, never every hop', () => {
    expect(parseTrustProxy('true')).toBe(1)
    expect(parseTrustProxy('2')).toBe(2)
  })

  it('takes proxy addresses, CIDRs and Express range names', () => {
    expect(parseTrustProxy('10.0.0.0/8, loopback,fd00::/8,192.0.2.7')).toEqual([
      '10.0.0.0/8',
      'loopback',
      'fd00::/8',
      '192.0.2.7',
    ])
  })

  it('names what is wrong and what to set instead', () => {
    expect(parseTrustProxy('yes')).toEqual({
      error: expect.stringMatching(/^"yes" is not an address; set false, the number of proxies/),
    })
    expect(parseTrustProxy('10.0.0.0/33')).toHaveProperty('error')
    expect(parseTrustProxy('300')).toHaveProperty('error')
  })
})
