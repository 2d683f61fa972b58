import { describe, expect, it } from 'vitest'
import { integrityOf } from './counting-proxy.ts'

describe('integrityOf', () => {
  it('names checksums, Content-MD5 and a signed payload hash', () => {
    const sha = 'a'.repeat(64)
    expect(
      integrityOf(
        { 'x-amz-checksum-sha256': 'x=', 'content-md5': 'y', 'x-amz-content-sha256': sha },
        new URLSearchParams(),
      ),
    ).toEqual(['SHA256 checksum', 'Content-MD5', 'signed payload SHA-256'])
  })

  it('reads a trailer and a presigned query parameter; an unsigned payload carries nothing', () => {
    expect(
      integrityOf(
        { 'x-amz-trailer': 'x-amz-checksum-crc32', 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
        new URLSearchParams(),
      ),
    ).toEqual(['CRC32 checksum'])
    expect(integrityOf({}, new URLSearchParams('x-amz-checksum-sha256=abc'))).toEqual([
      'SHA256 checksum',
    ])
    expect(integrityOf({ 'x-amz-checksum-algorithm': 'SHA256' }, new URLSearchParams())).toEqual([])
  })
})
