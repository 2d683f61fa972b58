import { AppError, type DocumentStatus, documentNotFound } from '@uplink/core'
import { type Database, type Document, declareSha256, findDocumentById } from '@uplink/db'
import type { Kysely } from 'kysely'

/** What declaring the whole file's SHA-256 at an upload's end came to (see declareWholeSha256). */
export type WholeSha256Outcome =
  | { declared: Document }
  /** Another digest was declared before (at creation or by an earlier call). */
  | { conflict: string }
  /** The document left `pending` without one: too late to declare it. */
  | { tooLate: DocumentStatus }
  | { missing: true }

/**
 * The one rule for a whole-file SHA-256 a client declares when it finishes an upload (multipart
 * `complete`, tus's `Repr-Digest`): recorded while the document is `pending` and has none; the
 * digest declared before again is fine; another one is a conflict; past `pending` without one
 * it is too late. The content check then compares the stored bytes with it. Each adapter words
 * the refusals in its own protocol.
 */
export async function declareWholeSha256(
  db: Kysely<Database>,
  doc: Document,
  sha256: string,
): Promise<WholeSha256Outcome> {
  let current: Document | undefined = doc
  if (current.declaredSha256 === null && current.status === 'pending') {
    const recorded = await declareSha256(db, doc.id, sha256)
    if (recorded) return { declared: recorded }
    // Changed since this request read it (another call declared or finished it).
    current = await findDocumentById(db, doc.id)
    if (!current) return { missing: true }
  }
  if (current.declaredSha256 === sha256) return { declared: current }
  if (current.declaredSha256 !== null) return { conflict: current.declaredSha256 }
  return { tooLate: current.status }
}

/** declareWholeSha256 for the API (multipart `complete`): refusals as catalogue errors. */
export async function declareFinalSha256(
  db: Kysely<Database>,
  doc: Document,
  sha256: string,
): Promise<Document> {
  const outcome = await declareWholeSha256(db, doc, sha256)
  if ('declared' in outcome) return outcome.declared
  if ('missing' in outcome) throw documentNotFound(doc.id)
  if ('conflict' in outcome) {
    throw new AppError(
      'digest_conflict',
      `sha256 ${sha256} differs from the SHA-256 this upload was declared with, ${outcome.conflict}; a file whose bytes changed needs a new upload`,
    )
  }
  throw new AppError(
    'state_conflict',
    `document ${doc.id} is ${outcome.tooLate}: the whole file's SHA-256 can be declared only until the upload completes`,
  )
}
