import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { partMatches, sha256Base64 } from './checksum.ts'

const body = Buffer.from('the bytes of one part')
const sum = sha256Base64(body)
const md5 = createHash('md5').update(body).digest('hex')

describe('partMatches', () => {
  it('trusts a listed part only when its SHA-256 equals the local bytes', () => {
    expect(
      partMatches({ partNumber: 1, etag: '"x"', size: body.length, sha256: sum }, body, sum),
    ).toBe(true)
    const zeros = Buffer.alloc(body.length)
    expect(
      partMatches(
        { partNumber: 1, etag: '"x"', size: body.length, sha256: sha256Base64(zeros) },
        body,
        sum,
      ),
    ).toBe(false)
  })

  it('falls back to the ETag (hex MD5) when the store listed no checksum', () => {
    expect(partMatches({ partNumber: 1, etag: `"${md5}"`, size: body.length }, body, sum)).toBe(
      true,
    )
    const other = createHash('md5').update('other').digest('hex')
    expect(partMatches({ partNumber: 1, etag: `"${other}"`, size: body.length }, body, sum)).toBe(
      false,
    )
  })

  it('never trusts a part of another size', () => {
    expect(partMatches({ partNumber: 1, etag: `"${md5}"`, size: 1, sha256: sum }, body, sum)).toBe(
      false,
    )
  })
})
