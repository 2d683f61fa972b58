import {
  type Database,
  forgetTusParts,
  type LedgerPart,
  listTusParts,
  recordTusPart,
} from '@uplink/db'
import type { Kysely } from 'kysely'

export type { LedgerPart }

/** Where the tus store records the parts S3 acknowledged, so a resume can check them. */
export interface PartLedger {
  record(uploadId: string, part: LedgerPart): Promise<void>
  list(uploadId: string): Promise<Map<number, LedgerPart>>
  /** Forgets one part, or every part of the upload. */
  forget(uploadId: string, partNumber?: number): Promise<void>
}

/** The ledger in the `tus_parts` table: shared by every instance, survives crashes. */
export function createPgPartLedger(db: Kysely<Database>): PartLedger {
  return {
    record: (uploadId, part) => recordTusPart(db, uploadId, part),
    list: (uploadId) => listTusParts(db, uploadId),
    forget: (uploadId, partNumber) => forgetTusParts(db, uploadId, partNumber),
  }
}

// Whether a listed part is the one the store wrote (size + SHA-256, or ETag) is a store
// behaviour (`paddedShortBody`, `listPartsChecksums`), named in @uplink/storage.
export { isPartAsWritten } from '@uplink/storage'
