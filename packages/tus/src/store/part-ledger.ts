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

/** S3 ETags are quoted (`"abc"`); compare them without quotes or a weak prefix. */
const bareEtag = (etag: string | undefined) => (etag ?? '').replace(/^W\//, '').replace(/"/g, '')

/**
 * Is the part S3 lists the one the store wrote? Same size, and the same SHA-256 (when the store
 * reports checksums) or else the same ETag. A part a store padded or replaced fails this.
 */
export function isPartAsWritten(
  listed: {
    Size?: number | undefined
    ChecksumSHA256?: string | undefined
    ETag?: string | undefined
  },
  written: LedgerPart | undefined,
): boolean {
  if (!written || listed.Size !== written.size) return false
  if (listed.ChecksumSHA256) return listed.ChecksumSHA256 === written.sha256
  return bareEtag(listed.ETag) === bareEtag(written.etag)
}
