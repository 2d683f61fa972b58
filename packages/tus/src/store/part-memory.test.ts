import { describe, expect, it } from 'vitest'
import { PartMemory } from './part-memory.ts'

describe('PartMemory', () => {
  it('never lends a buffer again while it is lent (a part still being sent)', () => {
    const memory = new PartMemory(30)
    const a = memory.take(10)
    const b = memory.take(10)
    expect(a && b).toBeTruthy()
    expect(a?.buffer).not.toBe(b?.buffer)
    a?.giveBack()
    const c = memory.take(10)
    // The returned buffer is reused; the one still lent is not.
    expect(c?.buffer).toBe(a?.buffer)
    expect(c?.buffer).not.toBe(b?.buffer)
  })

  it('pools a buffer given back twice only once, so it is never lent to two parts', () => {
    const memory = new PartMemory(20)
    const a = memory.take(10)
    a?.giveBack()
    a?.giveBack()
    const first = memory.take(10)
    const second = memory.take(10)
    expect(first?.buffer).toBe(a?.buffer)
    expect(second?.buffer).not.toBe(first?.buffer)
    // The budget holds two buffers: a third is refused (its part goes to a temp file).
    expect(memory.take(10)).toBeUndefined()
  })
})
