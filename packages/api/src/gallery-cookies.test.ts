import { describe, expect, it } from 'vitest'
import { galleryCookieDomain, galleryCookieHeaders } from './gallery-cookies.ts'

describe('galleryCookieDomain', () => {
  it('sets no Domain when the API answers on the CDN host (a host-only cookie)', () => {
    expect(
      galleryCookieDomain(undefined, 'http://localhost:3000/cdn', 'http://localhost:5173'),
    ).toBe(undefined)
  })

  it('names the CDN host when the API is elsewhere, unless a cookie domain is configured', () => {
    const cdn = 'https://cdn.example.com'
    expect(galleryCookieDomain(undefined, cdn, 'https://app.example.com')).toBe('cdn.example.com')
    expect(galleryCookieDomain('example.com', cdn, 'https://app.example.com')).toBe('example.com')
  })
})

describe('galleryCookieHeaders', () => {
  const cookies = {
    'CloudFront-Policy': 'eyJTdGF0ZW1lbnQiOltdfQ__',
    'CloudFront-Signature': 'dtKhpJ3aUYxqDIwepczPiDb9NXQ~',
    'CloudFront-Key-Pair-Id': 'K2JCJMDEHXQW5F',
  }

  it('writes each cookie HttpOnly, Secure, SameSite=Lax on Path=/ with no expiry of its own', () => {
    expect(galleryCookieHeaders(cookies, 'example.com')).toEqual([
      'CloudFront-Policy=eyJTdGF0ZW1lbnQiOltdfQ__; Domain=example.com; Path=/; Secure; HttpOnly; SameSite=Lax',
      'CloudFront-Signature=dtKhpJ3aUYxqDIwepczPiDb9NXQ~; Domain=example.com; Path=/; Secure; HttpOnly; SameSite=Lax',
      'CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F; Domain=example.com; Path=/; Secure; HttpOnly; SameSite=Lax',
    ])
  })

  it('refuses a value a cookie cannot carry rather than writing a broken header', () => {
    expect(() =>
      galleryCookieHeaders({ ...cookies, 'CloudFront-Key-Pair-Id': 'K1; Domain=evil' }, undefined),
    ).toThrow(/CloudFront-Key-Pair-Id/)
  })
})
