import { describe, expect, it } from 'vitest'
import { createDigest, parseUploadChecksum } from './checksum.ts'

const digestOf = (alg: Parameters<typeof createDigest>[0], text: string) => {
  const d = createDigest(alg)
  // In two chunks: the digest is fed as the body streams in.
  d.update(Buffer.from(text.slice(0, 4)))
  d.update(Buffer.from(text.slice(4)))
  return d.digest()
}

describe('createDigest', () => {
  it('gives crc32 as the base64 of its 4 big-endian bytes (CRC-32 of "123456789" is cbf43926)', () => {
    expect(Buffer.from(digestOf('crc32', '123456789'), 'base64').toString('hex')).toBe('cbf43926')
  })

  it('gives sha1, sha256 and md5 in base64', () => {
    expect(digestOf('sha1', 'abc')).toBe('qZk+NkcGgWq6PiVxeFDCbJzQ2J0=')
    expect(digestOf('md5', 'abc')).toBe('kAFQmDzST7DWlj99KOF/cg==')
    expect(digestOf('sha256', '')).toBe('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=')
  })
})

describe('parseUploadChecksum', () => {
  it('reads "<algorithm> <base64>", the algorithm in any case', () => {
    expect(parseUploadChecksum('SHA256 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=')).toEqual({
      algorithm: 'sha256',
      expected: '47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
    })
  })

  it('answers 400 saying what to send for an unknown algorithm or a malformed value', () => {
    expect(parseUploadChecksum('sha512 AAAA')).toMatchObject({ status_code: 400 })
    expect(parseUploadChecksum('sha256')).toMatchObject({ status_code: 400 })
    expect(parseUploadChecksum('sha256 not base64!')).toMatchObject({ status_code: 400 })
  })
})
