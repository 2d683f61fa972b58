import { ERRORS } from '@tus/utils'
import { describe, expect, it } from 'vitest'
import { isTusError } from '../protocol/errors.ts'
import { LocalLocks } from './local-locks.ts'

const options = (requestRelease: () => void = () => {}, signal = new AbortController().signal) => ({
  signal,
  deadline: Date.now() + 10_000,
  timeoutMs: 10_000,
  requestRelease: async () => requestRelease(),
})

describe('LocalLocks', () => {
  it('a waiter asks the holder to let go and gets the lock once it is released', async () => {
    const locks = new LocalLocks()
    let asked!: () => void
    const holderAsked = new Promise<void>((resolve) => {
      asked = resolve
    })
    const release = await locks.acquire('u', options(asked))
    let acquired = false
    const waiter = locks.acquire('u', options()).then((r) => {
      acquired = true
      return r
    })
    await holderAsked
    expect(acquired).toBe(false)
    release()
    const releaseWaiter = await waiter
    expect(locks.size).toBe(1)
    releaseWaiter()
    expect(locks.size).toBe(0)
  })

  it('passes the lock to one waiter at a time', async () => {
    const locks = new LocalLocks()
    const release = await locks.acquire('u', options())
    const order: string[] = []
    const first = locks.acquire('u', options()).then((r) => {
      order.push('first')
      return r
    })
    const second = locks.acquire('u', options()).then((r) => {
      order.push('second')
      return r
    })
    release()
    const releaseFirst = await Promise.race([first, second])
    expect(order).toHaveLength(1)
    releaseFirst()
    ;(await (order[0] === 'first' ? second : first))()
    expect(order).toHaveLength(2)
    expect(locks.size).toBe(0)
  })

  it('an old holder releasing again does not free the lock a newer holder took', async () => {
    const locks = new LocalLocks()
    const releaseOld = await locks.acquire('u', options())
    releaseOld()
    const releaseNew = await locks.acquire('u', options())
    releaseOld()
    expect(locks.size).toBe(1)
    releaseNew()
  })

  it('a waiter gives up at its deadline with 423, and the holder keeps the lock', async () => {
    const locks = new LocalLocks()
    const release = await locks.acquire('u', options())
    const waiting = locks.acquire('u', { ...options(), deadline: Date.now() + 20, timeoutMs: 20 })
    const err = await waiting.catch((e: unknown) => e)
    expect(isTusError(err) && err.status_code).toBe(423)
    expect(locks.size).toBe(1)
    release()
  })

  it('an aborted waiter stops waiting with ABORTED', async () => {
    const locks = new LocalLocks()
    const release = await locks.acquire('u', options())
    const abort = new AbortController()
    const waiting = locks.acquire(
      'u',
      options(() => {}, abort.signal),
    )
    abort.abort()
    await expect(waiting).rejects.toBe(ERRORS.ABORTED)
    release()
    expect(locks.size).toBe(0)
  })

  it('asks the holder in this process to let go when a waiter elsewhere asks', async () => {
    const locks = new LocalLocks()
    let asked!: () => void
    const holderAsked = new Promise<void>((resolve) => {
      asked = resolve
    })
    const release = await locks.acquire('u', options(asked))
    expect(locks.requestRelease('u')).toBe(true)
    expect(locks.requestRelease('other')).toBe(false)
    await holderAsked
    release()
  })
})
