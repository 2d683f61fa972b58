import { describe, expect, it } from 'vitest'
import { withRequestState } from '../protocol/request-state.ts'
import { MemoryPartLedger } from '../testing/memory-ledger.ts'
import { LedgerBesideLock } from './ledger-beside-lock.ts'

const part = (partNumber: number) => ({
  partNumber,
  size: 5,
  checksum: 'c',
  etag: `e${partNumber}`,
})
/** The rows Postgres answers for the ledger statement (snake_case). */
const rowsOf = (...numbers: number[]) =>
  numbers.map((n) => ({ part_number: n, size: 5, checksum: 'c', etag: `e${n}` }))
const inRequest = <T>(run: () => Promise<T>) => withRequestState({}, run)
const held = () => true

/** A ledger that counts the reads that reach it. */
function counted() {
  const memory = new MemoryPartLedger()
  const reads = { n: 0 }
  const list = memory.list.bind(memory)
  memory.list = (id) => {
    reads.n++
    return list(id)
  }
  return { memory, reads }
}

describe('LedgerBesideLock', () => {
  it("answers the request's first read from the rows read beside the lock, without asking the ledger", async () => {
    const { memory, reads } = counted()
    const ledger = new LedgerBesideLock(memory)
    await inRequest(async () => {
      const ahead = ledger.readAhead('u')
      ahead?.keep(rowsOf(1, 2), held)
      expect([...(await ledger.list('u')).keys()]).toEqual([1, 2])
      expect(reads.n).toBe(0)
      // Only the first read: later ones ask the ledger.
      await ledger.list('u')
      expect(reads.n).toBe(1)
    })
  })

  it('reads the ledger when a part was recorded after the read beside the lock was sent', async () => {
    const { memory, reads } = counted()
    const ledger = new LedgerBesideLock(memory)
    await inRequest(async () => {
      const ahead = ledger.readAhead('u')
      // Another request of this process records a part while the lock's round trip is out.
      await ledger.record('u', part(1))
      ahead?.keep(rowsOf(), held)
      expect([...(await ledger.list('u')).keys()]).toEqual([1])
      expect(reads.n).toBe(1)
    })
    await inRequest(async () => {
      const ahead = ledger.readAhead('u')
      ahead?.keep(rowsOf(1), held)
      // …or after the rows came back, before the store read them.
      await ledger.forget('u', 1)
      expect([...(await ledger.list('u')).keys()]).toEqual([])
      expect(reads.n).toBe(2)
    })
  })

  it('reads nothing beside the lock while a write of the upload is under way in this process', async () => {
    const ledger = new LedgerBesideLock(new MemoryPartLedger())
    let finish!: () => void
    const slow = new LedgerBesideLock({
      record: () =>
        new Promise<void>((resolve) => {
          finish = resolve
        }),
      list: async () => new Map(),
      forget: async () => {},
    })
    await inRequest(async () => {
      const writing = slow.record('u', part(1))
      expect(slow.readAhead('u')).toBeUndefined()
      expect(slow.readAhead('other')).toBeDefined()
      finish()
      await writing
      expect(slow.readAhead('u')).toBeDefined()
      expect(ledger.readAhead('u')).toBeDefined()
    })
  })

  it('reads the ledger when the lock was not taken in that round trip, or its session was lost since', async () => {
    const { memory, reads } = counted()
    await memory.record('u', part(1))
    const ledger = new LedgerBesideLock(memory)
    await inRequest(async () => {
      ledger.readAhead('u')?.keep(rowsOf(), () => false)
      expect([...(await ledger.list('u')).keys()]).toEqual([1])
    })
    await inRequest(async () => {
      let sessionKept = true
      ledger.readAhead('u')?.keep(rowsOf(), () => sessionKept)
      sessionKept = false
      expect([...(await ledger.list('u')).keys()]).toEqual([1])
    })
    expect(reads.n).toBe(2)
  })

  it('forgets idle uploads past its bound, counting them as written (never trusting a read it cannot check)', async () => {
    const { memory, reads } = counted()
    const ledger = new LedgerBesideLock(memory, 2)
    await inRequest(async () => {
      const ahead = ledger.readAhead('old')
      await ledger.record('old', part(1))
      await ledger.record('b', part(1))
      await ledger.record('c', part(1))
      // `old` is forgotten; its write after the read still counts.
      ahead?.keep(rowsOf(), held)
      expect([...(await ledger.list('old')).keys()]).toEqual([1])
      expect(reads.n).toBe(1)
    })
  })
})
