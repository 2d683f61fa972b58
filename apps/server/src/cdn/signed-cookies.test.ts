import { generateKeyPairSync, sign } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ipInCidr, resourceMatches, verifySignedCookies } from './signed-cookies.ts'

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const keys = new Map([['K1', publicKey]])
const now = new Date('2026-11-29T10:00:00Z')
const epoch = (offsetSeconds: number) => now.getTime() / 1000 + offsetSeconds

/** CloudFront's encoding: base64, then `+` → `-`, `=` → `_`, `/` → `~`. */
function cf(bytes: Buffer): string {
  return bytes.toString('base64').replace(/\+/g, '-').replace(/=/g, '_').replace(/\//g, '~')
}

function cookiesFor(policy: object, options: { hash?: 'sha1' | 'sha256'; id?: string } = {}) {
  const json = Buffer.from(JSON.stringify(policy))
  return {
    'CloudFront-Policy': cf(json),
    'CloudFront-Signature': cf(sign(options.hash ?? 'sha1', json, privateKey)),
    'CloudFront-Key-Pair-Id': options.id ?? 'K1',
  }
}

function statement(condition: object, resource = 'https://cdn.example.com/alice/image/*') {
  return { Statement: [{ Resource: resource, Condition: condition }] }
}

const url = 'https://cdn.example.com/alice/image/0b7c6f3e-2d5c-4a8e-9f11-0d1c2b3a4f5e'
const valid = statement({ DateLessThan: { 'AWS:EpochTime': epoch(60) } })

function check(cookies: Record<string, string>, request: { url?: string; ip?: string } = {}) {
  return verifySignedCookies(
    { cookies, url: request.url ?? url, ip: request.ip ?? '192.0.2.7', now },
    keys,
  )
}

describe('verifySignedCookies', () => {
  it('accepts a signed custom policy whose resource and time window cover the request', () => {
    expect(check(cookiesFor(valid))).toEqual({
      ok: true,
      resource: 'https://cdn.example.com/alice/image/*',
    })
  })

  it('refuses a request outside the policy resource', () => {
    const other = url.replace('/alice/', '/bob/')
    expect(check(cookiesFor(valid), { url: other })).toEqual({
      ok: false,
      reason: 'resource not granted',
    })
  })

  it('refuses once DateLessThan has passed, and before or at DateGreaterThan', () => {
    const expired = statement({ DateLessThan: { 'AWS:EpochTime': epoch(0) } })
    expect(check(cookiesFor(expired))).toMatchObject({ reason: 'expired' })
    const early = statement({
      DateLessThan: { 'AWS:EpochTime': epoch(60) },
      DateGreaterThan: { 'AWS:EpochTime': epoch(0) },
    })
    expect(check(cookiesFor(early))).toMatchObject({ reason: 'not yet valid' })
  })

  it('refuses a policy without DateLessThan, with two statements or without a resource', () => {
    const noExpiry = statement({ DateGreaterThan: { 'AWS:EpochTime': epoch(-60) } })
    expect(check(cookiesFor(noExpiry))).toMatchObject({ reason: 'malformed policy' })
    const two = { Statement: [valid.Statement[0], valid.Statement[0]] }
    expect(check(cookiesFor(two))).toMatchObject({ reason: 'malformed policy' })
    const anything = { Statement: [{ Condition: valid.Statement[0]?.Condition }] }
    expect(check(cookiesFor(anything))).toMatchObject({ reason: 'malformed policy' })
  })

  it('refuses a policy changed after signing and a signature under another key pair id', () => {
    const cookies = cookiesFor(valid)
    const widened = cookiesFor(statement(valid.Statement[0]!.Condition, 'https://*'))
    const tampered = { ...cookies, 'CloudFront-Policy': widened['CloudFront-Policy'] }
    expect(check(tampered)).toMatchObject({ reason: 'bad signature' })
    expect(check(cookiesFor(valid, { id: 'K2' }))).toMatchObject({ reason: 'unknown key pair' })
  })

  it('checks SHA-256 signatures when CloudFront-Hash-Algorithm says SHA256', () => {
    const cookies = cookiesFor(valid, { hash: 'sha256' })
    expect(check(cookies)).toMatchObject({ reason: 'bad signature' })
    expect(check({ ...cookies, 'CloudFront-Hash-Algorithm': 'SHA256' })).toMatchObject({ ok: true })
    expect(check({ ...cookies, 'CloudFront-Hash-Algorithm': 'MD5' })).toMatchObject({
      reason: 'unsupported hash algorithm',
    })
  })

  it('applies IpAddress as an IPv4 CIDR range', () => {
    const fromRange = statement({
      DateLessThan: { 'AWS:EpochTime': epoch(60) },
      IpAddress: { 'AWS:SourceIp': '192.0.2.0/24' },
    })
    expect(check(cookiesFor(fromRange), { ip: '192.0.2.200' })).toMatchObject({ ok: true })
    expect(check(cookiesFor(fromRange), { ip: '::ffff:192.0.2.9' })).toMatchObject({ ok: true })
    expect(check(cookiesFor(fromRange), { ip: '198.51.100.1' })).toMatchObject({
      reason: 'ip not allowed',
    })
  })

  it('refuses requests that lack any of the three cookies', () => {
    const { 'CloudFront-Signature': _dropped, ...rest } = cookiesFor(valid)
    expect(check(rest)).toMatchObject({ reason: 'missing signed cookies' })
  })
})

describe('resourceMatches', () => {
  it('reads * as any run of characters and ? as one, the rest literally', () => {
    expect(resourceMatches('https://d.net/*game.zip*', 'https://d.net/x_game.zip?l=1')).toBe(true)
    expect(resourceMatches('https://d.net/a?c', 'https://d.net/abc')).toBe(true)
    expect(resourceMatches('https://d.net/a?c', 'https://d.net/abbc')).toBe(false)
    expect(resourceMatches('https://d.net/a.c', 'https://d.net/abc')).toBe(false)
    expect(resourceMatches('https://d.net/a/*', 'http://d.net/a/b')).toBe(false)
  })
})

describe('ipInCidr', () => {
  it('matches IPv4 CIDR ranges and never IPv6 ranges or malformed ones', () => {
    expect(ipInCidr('192.0.2.10', '192.0.2.10/32')).toBe(true)
    expect(ipInCidr('192.0.2.11', '192.0.2.10/32')).toBe(false)
    expect(ipInCidr('10.1.2.3', '10.0.0.0/8')).toBe(true)
    expect(ipInCidr('2001:db8::1', '2001:db8::/32')).toBe(false)
    expect(ipInCidr('192.0.2.10', '192.0.2.10')).toBe(false)
    expect(ipInCidr('192.0.2.10', '192.0.2.0/33')).toBe(false)
  })
})
