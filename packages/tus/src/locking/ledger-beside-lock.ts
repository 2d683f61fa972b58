import { type LedgerPart, tusPartsFromRows, tusPartsStatement } from '@uplink/db'
import { requestState } from '../protocol/request-state.ts'

/** The tus store's part ledger, as far as this wrapper needs it (store/part-ledger.ts). */
export interface Ledger {
  record(uploadId: string, part: LedgerPart): Promise<void>
  list(uploadId: string): Promise<Map<number, LedgerPart>>
  forget(uploadId: string, partNumber?: number): Promise<void>
}

/** A read of an upload's ledger about to be sent beside its lock. */
export interface LedgerReadAhead {
  statement: string
  /** Keeps the rows for the request's first `list`, if the lock was taken in that round trip. */
  keep(rows: unknown[], lockHeld: () => boolean): void
}

/**
 * The `tus_parts` ledger, whose first read in a request may come from the round trip that took
 * the upload's advisory lock (`readAhead`), one round trip less per PATCH. The rows stand for
 * the ledger only while nothing can have written it since they were read:
 * - no other instance: they were read after the lock was granted (a later statement of the same
 *   round trip, with its own snapshot), and the lock session is still the one that holds it;
 * - no request of this process: no `record`/`forget` was under way when the read was sent, and
 *   none started since (the store settles this process's writes before it reads the ledger).
 * Otherwise `list` reads Postgres, as without it.
 */
export class LedgerBesideLock implements Ledger {
  /** `record`/`forget` calls started so far, across uploads: each one's sequence number. */
  private started = 0
  /** Per upload, oldest first: the sequence number of its last write, and writes under way. */
  private readonly writes = new Map<string, { last: number; running: number }>()
  /** At least the last write of any upload no longer in `writes` (forgotten, oldest first). */
  private floor = 0

  constructor(
    private readonly ledger: Ledger,
    private readonly remembered = 10_000,
  ) {}

  readAhead(uploadId: string): LedgerReadAhead | undefined {
    const state = requestState()
    if (!state || (this.writes.get(uploadId)?.running ?? 0) > 0) return undefined
    const at = this.started
    return {
      statement: tusPartsStatement(uploadId),
      keep: (rows, lockHeld) => {
        const valid = () => lockHeld() && this.lastWrite(uploadId) <= at
        if (valid()) state.ledgersRead.set(uploadId, { parts: tusPartsFromRows(rows), valid })
      },
    }
  }

  async list(uploadId: string): Promise<Map<number, LedgerPart>> {
    const state = requestState()
    const read = state?.ledgersRead.get(uploadId)
    state?.ledgersRead.delete(uploadId)
    if (read?.valid()) return read.parts
    return this.ledger.list(uploadId)
  }

  record(uploadId: string, part: LedgerPart): Promise<void> {
    return this.writing(uploadId, () => this.ledger.record(uploadId, part))
  }

  forget(uploadId: string, partNumber?: number): Promise<void> {
    return this.writing(uploadId, () => this.ledger.forget(uploadId, partNumber))
  }

  private lastWrite(uploadId: string): number {
    return this.writes.get(uploadId)?.last ?? this.floor
  }

  private async writing(uploadId: string, write: () => Promise<void>): Promise<void> {
    const w = this.writes.get(uploadId) ?? { last: 0, running: 0 }
    // Moved to the end: the map stays oldest first.
    this.writes.delete(uploadId)
    this.writes.set(uploadId, w)
    w.last = ++this.started
    w.running++
    this.forgetOldest()
    try {
      await write()
    } finally {
      w.running--
    }
  }

  /** Bounded memory: the oldest idle uploads go, and `floor` stands for their last writes. */
  private forgetOldest(): void {
    if (this.writes.size <= this.remembered) return
    for (const [id, w] of this.writes) {
      if (this.writes.size <= this.remembered) return
      if (w.running > 0) continue
      this.writes.delete(id)
      this.floor = Math.max(this.floor, w.last)
    }
  }
}
