import { expectedPartSize } from '@uplink/core'
import { describe, expect, it } from 'vitest'
import { badPartNumber, checkPartList, checkSignRequest, normalizeEtag } from './multipart-parts.ts'

const plan = { size: 25, partSize: 10, partCount: 3 }
const stored = [
  { partNumber: 1, etag: '"a"', size: 10 },
  { partNumber: 2, etag: '"b"', size: 10 },
  { partNumber: 3, etag: '"c"', size: 5 },
]
const claimed = [
  { partNumber: 1, etag: '"a"' },
  { partNumber: 2, etag: 'b' },
  { partNumber: 3, etag: '"c"' },
]

describe('checkPartList', () => {
  it('accepts a complete list in any order, with or without ETag quotes, using the stored ETags', () => {
    expect(checkPartList(plan, [...claimed].reverse(), stored)).toEqual([
      { partNumber: 1, etag: '"a"' },
      { partNumber: 2, etag: '"b"' },
      { partNumber: 3, etag: '"c"' },
    ])
  })

  it('names the part whose ETag does not match', () => {
    const wrong = claimed.map((p) => (p.partNumber === 2 ? { ...p, etag: '"zzz"' } : p))
    expect(() => checkPartList(plan, wrong, stored)).toThrow(/^part 2 has ETag "zzz"/)
  })

  it('names a part left out of the list, and a part never uploaded', () => {
    expect(() => checkPartList(plan, claimed.slice(0, 2), stored)).toThrow(/^part 3 is missing/)
    expect(() => checkPartList(plan, claimed, stored.slice(1))).toThrow(
      /^part 1 has not been uploaded/,
    )
  })

  it('refuses a part of the wrong size, a duplicate and a number outside the plan', () => {
    const short = stored.map((p) => (p.partNumber === 1 ? { ...p, size: 9 } : p))
    expect(() => checkPartList(plan, claimed, short)).toThrow(/^part 1 is 9 bytes but must be 10/)
    expect(() => checkPartList(plan, [...claimed, claimed[0]!], stored)).toThrow(/listed twice/)
    expect(() => checkPartList(plan, [...claimed, { partNumber: 4, etag: 'x' }], stored)).toThrow(
      /^part 4 is not a part of this upload/,
    )
  })
})

describe('checkPartList with checksums', () => {
  const a = `${'a'.repeat(43)}=`
  const b = `${'b'.repeat(43)}=`
  const summed = stored.map((p) => ({ ...p, sha256: p.partNumber === 2 ? b : a }))

  it('completes with the SHA-256 S3 holds for every part', () => {
    expect(checkPartList(plan, claimed, summed).map((p) => p.sha256)).toEqual([a, b, a])
  })

  it('names the part whose SHA-256 differs from the one S3 holds', () => {
    const wrong = claimed.map((p) => ({ ...p, sha256: a }))
    expect(() => checkPartList(plan, wrong, summed)).toThrow(
      `part 2 has SHA-256 ${a} but S3 holds SHA-256 ${b}; re-upload the part`,
    )
  })
})

describe('checkSignRequest', () => {
  const sha256 = `${'a'.repeat(43)}=`

  it('accepts part numbers of the plan, each with a SHA-256', () => {
    expect(() => checkSignRequest(plan, [{ partNumber: 3, sha256 }], true)).not.toThrow()
  })

  it('names a part without a SHA-256 when checksums are on, and allows it when off', () => {
    expect(() => checkSignRequest(plan, [{ partNumber: 2 }], true)).toThrow(
      /^part 2 needs its sha256/,
    )
    expect(() => checkSignRequest(plan, [{ partNumber: 2 }], false)).not.toThrow()
  })

  it('names a number outside the plan and a part asked for twice', () => {
    expect(() => checkSignRequest(plan, [{ partNumber: 4, sha256 }], true)).toThrow(
      'part number 4 is out of range: this upload has parts 1..3',
    )
    const twice = [
      { partNumber: 1, sha256 },
      { partNumber: 1, sha256 },
    ]
    expect(() => checkSignRequest(plan, twice, true)).toThrow('part 1 is listed twice')
  })
})

describe('part helpers', () => {
  it('gives every part the part size except the shorter last one', () => {
    expect([1, 2, 3].map((n) => expectedPartSize(plan, n))).toEqual([10, 10, 5])
  })

  it('finds the first number outside 1..partCount', () => {
    expect(badPartNumber(plan, [1, 3])).toBeUndefined()
    expect(badPartNumber(plan, [1, 0, 4])).toBe(0)
    expect(badPartNumber(plan, [2.5])).toBe(2.5)
  })

  it('strips quotes and the weak prefix from ETags', () => {
    expect(normalizeEtag(' W/"abc" ')).toBe('abc')
  })
})
