import type { MetadataValue } from '@tus/s3-store'
import type { IncompletePart } from './incomplete-part.ts'
import type { LedgerPart, PartLedger } from './part-ledger.ts'
import { INCOMPLETE_PART, type VerifiedParts } from './verified-parts.ts'

/** What withheld parts need of the store. */
export interface WithheldStore {
  ledger: PartLedger
  verified: VerifiedParts
  /** Deletes the `<id>.part` object (its ledger record is handled here). */
  deleteIncompleteObject: (id: string) => Promise<unknown>
}

/**
 * The parts of a PATCH with Upload-Checksum, held back from the ledger until its digest matched.
 * tus: on a mismatch "the uploaded chunk MUST be discarded, and the upload and its offset MUST
 * NOT be updated". Parts still go to S3 as they fill, but only ledger parts count.
 */
export class WithheldParts {
  private readonly parts: LedgerPart[] = []
  private readonly store: WithheldStore
  private readonly metadata: MetadataValue
  private readonly incomplete: IncompletePart | undefined

  /** `incomplete`: the `.part` leftover this PATCH consumed, if any. */
  constructor(
    store: WithheldStore,
    metadata: MetadataValue,
    incomplete: IncompletePart | undefined,
  ) {
    this.store = store
    this.metadata = metadata
    this.incomplete = incomplete
  }

  /** Holds a part S3 acknowledged. */
  readonly record = async (part: LedgerPart): Promise<void> => {
    this.parts.push(part)
  }

  /**
   * The digest matched: records the parts. The consumed incomplete part is forgotten first: a
   * crash in between loses bytes (the resume starts earlier), it never counts them twice.
   */
  async keep(): Promise<void> {
    const id = this.metadata.file.id
    if (this.incomplete) await this.store.ledger.forget(id, INCOMPLETE_PART)
    for (const part of this.parts) await this.store.ledger.record(id, part)
    if (this.incomplete && !this.replacesIncomplete()) await this.store.deleteIncompleteObject(id)
  }

  /**
   * The PATCH is discarded: its parts in S3 were never recorded, so they do not count (the next
   * PATCH overwrites their numbers); a `.part` object it overwrote gets its old bytes back.
   */
  async drop(): Promise<void> {
    if (!this.replacesIncomplete()) return
    const id = this.metadata.file.id
    if (!this.incomplete) {
      await this.store.deleteIncompleteObject(id)
      return
    }
    await this.store.verified.sendIncomplete(this.metadata, this.incomplete, (p) =>
      this.store.ledger.record(id, p),
    )
  }

  private replacesIncomplete(): boolean {
    return this.parts.some((p) => p.partNumber === INCOMPLETE_PART)
  }
}
