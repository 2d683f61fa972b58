import { describe, expect, it } from 'vitest'
import { mbPerSecond, median } from './stats.ts'

describe('median', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2)
    expect(median([4, 1, 3, 2])).toBe(2.5)
  })
  it('refuses an empty list', () => {
    expect(() => median([])).toThrow(RangeError)
  })
})

describe('mbPerSecond', () => {
  it('counts 10^6 bytes per second', () => {
    expect(mbPerSecond(50_000_000, 500)).toBe(100)
  })
})
