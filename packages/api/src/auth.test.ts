import { SignJWT } from 'jose'
import { describe, expect, it } from 'vitest'
import { createAuthenticate, signDevToken } from './auth.ts'

const secret = 'a-test-secret-that-is-long-enough-000'
const authenticate = createAuthenticate({ jwtSecret: secret })

describe('createAuthenticate', () => {
  it('accepts a bearer token signed with the secret and returns its subject', async () => {
    const token = await signDevToken(secret, 'alice')
    expect(await authenticate(`Bearer ${token}`)).toEqual({ id: 'alice' })
  })

  it('refuses a token signed with another secret, a malformed header and no header', async () => {
    const other = await signDevToken('another-secret-that-is-long-enough-11', 'alice')
    expect(await authenticate(`Bearer ${other}`)).toBeUndefined()
    expect(await authenticate(`Basic ${await signDevToken(secret, 'alice')}`)).toBeUndefined()
    expect(await authenticate(undefined)).toBeUndefined()
  })

  it('refuses an expired token and one without a subject', async () => {
    const key = new TextEncoder().encode(secret)
    const expired = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(key)
    const anonymous = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime('1h')
      .sign(key)
    expect(await authenticate(`Bearer ${expired}`)).toBeUndefined()
    expect(await authenticate(`Bearer ${anonymous}`)).toBeUndefined()
  })

  it('refuses a token without exp, which would otherwise be valid forever', async () => {
    const key = new TextEncoder().encode(secret)
    const forever = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .sign(key)
    expect(await authenticate(`Bearer ${forever}`)).toBeUndefined()
  })

  it('refuses the "none" algorithm', async () => {
    const header = Buffer.from('{"alg":"none"}').toString('base64url')
    const body = Buffer.from('{"sub":"alice"}').toString('base64url')
    expect(await authenticate(`Bearer ${header}.${body}.`)).toBeUndefined()
  })
})

describe('verified-token cache', () => {
  it('still refuses a token once it has expired, even after it was accepted', async () => {
    let clock = Date.now()
    const timed = createAuthenticate({ jwtSecret: secret, now: () => clock })
    const exp = Math.floor(clock / 1000) + 30
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('bob')
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(secret))
    expect(await timed(`Bearer ${token}`)).toEqual({ id: 'bob' })
    clock = exp * 1000 - 1000
    expect(await timed(`Bearer ${token}`)).toEqual({ id: 'bob' })
    clock = exp * 1000 + 1000
    expect(await timed(`Bearer ${token}`)).toBeUndefined()
  })

  it('refuses a changed signature or another key for the same claims while the genuine token is cached', async () => {
    const token = await signDevToken(secret, 'carol')
    expect(await authenticate(`Bearer ${token}`)).toEqual({ id: 'carol' })
    const [header, payload, signature] = token.split('.') as [string, string, string]
    const flipped = `${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`
    expect(await authenticate(`Bearer ${header}.${payload}.${flipped}`)).toBeUndefined()
    const forged = await signDevToken('another-secret-that-is-long-enough-11', 'carol')
    expect(await authenticate(`Bearer ${forged}`)).toBeUndefined()
    expect(await authenticate(`Bearer ${token}`)).toEqual({ id: 'carol' })
  })
})
