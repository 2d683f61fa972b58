import { describe, expect, it } from 'vitest'
import { isPartAsWritten } from './part-ledger.ts'

const written = { partNumber: 1, size: 100, checksum: 'c2hh', etag: '"abc"' }

describe('isPartAsWritten: is the part S3 lists the one the store wrote?', () => {
  it('is when the size and checksum are the recorded ones', () => {
    expect(isPartAsWritten({ Size: 100, ChecksumSHA256: 'c2hh', ETag: '"other"' }, written)).toBe(
      true,
    )
  })

  it('is not when the size differs (a padded or cut part)', () => {
    expect(isPartAsWritten({ Size: 101, ChecksumSHA256: 'c2hh' }, written)).toBe(false)
  })

  it('is not when the listed checksum differs, whatever the ETag', () => {
    expect(isPartAsWritten({ Size: 100, ChecksumSHA256: 'b3RoZXI=', ETag: '"abc"' }, written)).toBe(
      false,
    )
  })

  it('compares ETags (quotes and a weak prefix aside) when the store lists no checksum', () => {
    expect(isPartAsWritten({ Size: 100, ETag: 'W/"abc"' }, written)).toBe(true)
    expect(isPartAsWritten({ Size: 100, ETag: '"abd"' }, written)).toBe(false)
  })

  it('compares the CRC32 an upload created with CRC32 lists', () => {
    const crc = { partNumber: 1, size: 100, checksum: 'Y3JjMw==', etag: '"abc"' }
    expect(isPartAsWritten({ Size: 100, ChecksumCRC32: 'Y3JjMw==' }, crc)).toBe(true)
    expect(isPartAsWritten({ Size: 100, ChecksumCRC32: 'b3RoZQ==', ETag: '"abc"' }, crc)).toBe(
      false,
    )
  })

  it('is not when the ledger never recorded the part', () => {
    expect(isPartAsWritten({ Size: 100, ChecksumSHA256: 'c2hh' }, undefined)).toBe(false)
  })
})
