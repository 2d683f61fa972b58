import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { galleryPrefix, signGalleryAccess } from './gallery-access.ts'

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
const publicKey = createPublicKey(privateKey)

/** CloudFront's URL-safe base64: `-` for `+`, `_` for `=`, `~` for `/`. */
function cloudFrontBase64(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64')
}

describe('signGalleryAccess', () => {
  it('signs a custom policy for the owner’s image prefix that verifies with the public key', () => {
    const now = new Date('2026-11-29T10:00:00.400Z')
    const access = signGalleryAccess(
      { keyPairId: 'K2JCJMDEHXQW5F', privateKey: privatePem },
      { ownerId: 'alice', baseUrl: 'https://cdn.example.com/', ttlSeconds: 600, now },
    )
    const policy = cloudFrontBase64(access.cookies['CloudFront-Policy'])
    const signature = cloudFrontBase64(access.cookies['CloudFront-Signature'])
    expect(verify('RSA-SHA1', policy, publicKey, signature)).toBe(true)
    expect(JSON.parse(policy.toString())).toEqual({
      Statement: [
        {
          Resource: 'https://cdn.example.com/alice/image/*',
          Condition: {
            DateLessThan: { 'AWS:EpochTime': Date.parse('2026-11-29T10:10:00Z') / 1000 },
          },
        },
      ],
    })
    expect(access).toMatchObject({
      baseUrl: 'https://cdn.example.com',
      prefix: 'alice/image/',
      expiresAt: new Date('2026-11-29T10:10:00Z'),
    })
    expect(access.cookies['CloudFront-Key-Pair-Id']).toBe('K2JCJMDEHXQW5F')
  })

  it('grants resourceBase when given, while baseUrl stays where the page loads images', () => {
    const access = signGalleryAccess(
      { keyPairId: 'K1', privateKey: privatePem },
      {
        ownerId: 'alice',
        baseUrl: 'http://evil.example/x?/cdn',
        resourceBase: 'http://localhost/cdn',
        ttlSeconds: 60,
      },
    )
    const policy = JSON.parse(cloudFrontBase64(access.cookies['CloudFront-Policy']).toString())
    expect(policy.Statement[0].Resource).toBe('http://localhost/cdn/alice/image/*')
    expect(access.baseUrl).toBe('http://evil.example/x?/cdn')
  })

  it('keeps an owner id that could escape its prefix inside one hashed key segment', () => {
    expect(galleryPrefix('../bob')).toMatch(/^u-[0-9a-f]{40}\/image\/$/)
    expect(galleryPrefix('a*b')).not.toContain('*')
  })
})
