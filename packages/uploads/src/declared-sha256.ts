import { AppError, documentNotFound } from '@uplink/core'
import { type Database, type Document, declareSha256, findDocumentById } from '@uplink/db'
import type { Kysely } from 'kysely'

/**
 * Records the whole file's SHA-256 a client declares when it finishes an upload (multipart
 * `complete`), by the same rules as tus's `Repr-Digest`: the digest declared at creation (or by
 * an earlier call) again is fine; another one is `digest_conflict` naming both; a document past
 * `pending` without one can no longer take one (`state_conflict`). The content check then
 * compares the stored bytes with it, as with a digest declared at creation.
 */
export async function declareFinalSha256(
  db: Kysely<Database>,
  doc: Document,
  sha256: string,
): Promise<Document> {
  let current: Document | undefined = doc
  if (current.declaredSha256 === null && current.status === 'pending') {
    const recorded = await declareSha256(db, doc.id, sha256)
    if (recorded) return recorded
    // Changed since this request read it (another call declared or finished it).
    current = await findDocumentById(db, doc.id)
    if (!current) throw documentNotFound(doc.id)
  }
  if (current.declaredSha256 === sha256) return current
  if (current.declaredSha256 !== null) {
    throw new AppError(
      'digest_conflict',
      `sha256 ${sha256} differs from the SHA-256 this upload was declared with, ${current.declaredSha256}; a file whose bytes changed needs a new upload`,
    )
  }
  throw new AppError(
    'state_conflict',
    `document ${doc.id} is ${current.status}: the whole file's SHA-256 can be declared only until the upload completes`,
  )
}
