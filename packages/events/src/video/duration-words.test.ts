import { describe, expect, it } from 'vitest'
import { durationInWords } from './duration-words.ts'

describe('durationInWords', () => {
  it('names hours, minutes and seconds to a tenth, singular and plural, skipping zero units', () => {
    expect(durationInWords(3725.42)).toBe('1 hour 2 minutes 5.4 seconds')
    expect(durationInWords(7200)).toBe('2 hours')
    expect(durationInWords(61)).toBe('1 minute 1 second')
    expect(durationInWords(5.02)).toBe('5 seconds')
    expect(durationInWords(0.04)).toBe('0 seconds')
  })
})
