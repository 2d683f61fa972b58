import { describe, expect, it } from 'vitest'
import { waitFor } from './wait-for.ts'

describe('waitFor', () => {
  it('returns the first truthy value of the condition, retrying throws as "not yet"', async () => {
    let calls = 0
    const value = await waitFor(
      () => {
        calls++
        if (calls === 1) throw new Error('not yet')
        return calls === 3 && { calls }
      },
      { what: 'the third call', intervalMs: 1 },
    )
    expect(value).toEqual({ calls: 3 })
  })

  it('times out with a message naming what it waited for and the last error as cause', async () => {
    const failure = waitFor(
      () => {
        throw new Error('still pending')
      },
      { what: 'the worker to finish', timeoutMs: 20, intervalMs: 1 },
    )
    await expect(failure).rejects.toThrow('timed out after 20 ms waiting for the worker to finish')
    await expect(failure).rejects.toHaveProperty('cause.message', 'still pending')
  })

  it('keeps the older (what, check, timeoutMs) form', async () => {
    let ready = false
    setImmediate(() => {
      ready = true
    })
    await waitFor('the flag', async () => ready, 1000)
    expect(ready).toBe(true)
  })
})
