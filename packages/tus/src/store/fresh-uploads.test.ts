import { describe, expect, it } from 'vitest'
import { FreshUploads } from './fresh-uploads.ts'

describe('FreshUploads', () => {
  it('answers true once per id added, and never for a deleted one', () => {
    const fresh = new FreshUploads()
    fresh.add('a')
    fresh.add('b')
    fresh.delete('b')
    expect(fresh.take('a')).toBe(true)
    expect(fresh.take('a')).toBe(false)
    expect(fresh.take('b')).toBe(false)
    expect(fresh.take('never')).toBe(false)
  })

  it('forgets the oldest ids past its bound', () => {
    const fresh = new FreshUploads(2)
    fresh.add('a')
    fresh.add('b')
    fresh.add('c')
    expect([fresh.take('a'), fresh.take('b'), fresh.take('c')]).toEqual([false, true, true])
  })
})
