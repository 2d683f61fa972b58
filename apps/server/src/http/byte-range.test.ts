import { describe, expect, it } from 'vitest'
import { parseRange } from './byte-range.ts'
import { ifRangeHolds, notModified } from './conditional.ts'

describe('parseRange', () => {
  const size = 1000
  it('serves one closed, open-ended or suffix range, cutting an end past the last byte', () => {
    expect(parseRange('bytes=0-99', size)).toEqual({ kind: 'partial', start: 0, end: 99 })
    expect(parseRange('bytes=900-', size)).toEqual({ kind: 'partial', start: 900, end: 999 })
    expect(parseRange('bytes=-100', size)).toEqual({ kind: 'partial', start: 900, end: 999 })
    expect(parseRange('bytes=-5000', size)).toEqual({ kind: 'partial', start: 0, end: 999 })
    expect(parseRange('bytes=990-5000', size)).toEqual({ kind: 'partial', start: 990, end: 999 })
  })

  it('answers unsatisfiable for a start past the end, a zero suffix or an empty document', () => {
    expect(parseRange('bytes=1000-', size)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRange('bytes=-0', size)).toEqual({ kind: 'unsatisfiable' })
    expect(parseRange('bytes=0-', 0)).toEqual({ kind: 'unsatisfiable' })
  })

  it('ignores several ranges, other units and invalid syntax (the full 200)', () => {
    for (const header of ['bytes=0-1,5-9', 'items=0-1', 'bytes=9-1', 'bytes=a-b', 'bytes=-']) {
      expect(parseRange(header, size), header).toEqual({ kind: 'full' })
    }
    expect(parseRange(undefined, size)).toEqual({ kind: 'full' })
  })
})

describe('conditional requests', () => {
  const lastModified = new Date('2026-11-29T10:00:00Z')
  const v = { etag: '"abc"', lastModified }
  it('answers Not Modified for a matching If-None-Match, weakly compared, or *', () => {
    expect(notModified({ ifNoneMatch: '"abc"' }, v)).toBe(true)
    expect(notModified({ ifNoneMatch: 'W/"abc", "x"' }, v)).toBe(true)
    expect(notModified({ ifNoneMatch: '*' }, v)).toBe(true)
    expect(notModified({ ifNoneMatch: '"other"' }, v)).toBe(false)
  })

  it('uses If-Modified-Since only without If-None-Match', () => {
    const later = 'Sun, 29 Nov 2026 11:00:00 GMT'
    expect(notModified({ ifModifiedSince: later }, v)).toBe(true)
    expect(notModified({ ifModifiedSince: 'Sun, 29 Nov 2026 09:00:00 GMT' }, v)).toBe(false)
    expect(notModified({ ifNoneMatch: '"other"', ifModifiedSince: later }, v)).toBe(false)
  })

  it('keeps a Range only when If-Range matches strongly or names Last-Modified exactly', () => {
    expect(ifRangeHolds(undefined, v)).toBe(true)
    expect(ifRangeHolds('"abc"', v)).toBe(true)
    expect(ifRangeHolds('W/"abc"', v)).toBe(false)
    expect(ifRangeHolds('"old"', v)).toBe(false)
    expect(ifRangeHolds(lastModified.toUTCString(), v)).toBe(true)
    expect(ifRangeHolds('Sun, 29 Nov 2026 09:00:00 GMT', v)).toBe(false)
  })
})
