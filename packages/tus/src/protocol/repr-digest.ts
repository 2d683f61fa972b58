import { sha256Input } from '@uplink/core'
import type { Database, Document } from '@uplink/db'
import { declareWholeSha256 } from '@uplink/uploads'
import type { Kysely } from 'kysely'
import { NOT_FOUND, type TusError, tusError } from './errors.ts'
import { dictionaryByteSequences } from './structured-dictionary.ts'

/** RFC 9530's field for the digest of the whole representation (the whole file of an upload). */
export const REPR_DIGEST_HEADER = 'Repr-Digest'

const EXAMPLE = 'sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:'

/**
 * The whole file's SHA-256 (base64) a PATCH declares in `Repr-Digest`, as the IETF
 * resumable-uploads draft uses it; undefined when the field names no `sha-256`. RFC 9530 §2:
 * the field is a Dictionary of Byte Sequences by algorithm key, and a recipient "MAY ignore"
 * algorithms it does not support, so only `sha-256` is read. A field that is not such a
 * Dictionary, or a `sha-256` that is not a 32-byte digest, is a 400 saying the expected form.
 */
export function parseReprDigest(field: string): string | undefined | TusError {
  const members = dictionaryByteSequences(field)
  if (!members) {
    return tusError(
      'bad_input',
      `Repr-Digest must be an RFC 9530 dictionary such as "${EXAMPLE}" (the base64 SHA-256 of the whole file between colons)`,
    )
  }
  if (!members.has('sha-256')) return undefined
  const sha256 = members.get('sha-256')
  if (typeof sha256 !== 'string' || !sha256Input.safeParse(sha256).success) {
    return tusError(
      'bad_input',
      `Repr-Digest sha-256 must be the base64 SHA-256 of the whole file (44 characters) between colons, e.g. "${EXAMPLE}"`,
    )
  }
  return sha256
}

/**
 * Records the SHA-256 a PATCH declared in Repr-Digest on the upload's document (before the
 * PATCH writes, so before the last byte's PATCH finishes the upload), where the content check
 * compares it with the stored bytes as it does the creation metadata's `sha256` — by the rule
 * multipart `complete` follows too (`declareWholeSha256`). The same digest again is fine;
 * another one than the upload's declared digest is a 400 `digest_conflict`; a document past
 * `pending` without one can no longer take one (409).
 */
export async function recordReprDigest(
  db: Kysely<Database>,
  doc: Document,
  sha256: string,
): Promise<Document> {
  const outcome = await declareWholeSha256(db, doc, sha256)
  if ('declared' in outcome) return outcome.declared
  if ('missing' in outcome) throw NOT_FOUND
  if ('conflict' in outcome) {
    throw tusError(
      'digest_conflict',
      `Repr-Digest declares SHA-256 ${sha256}, but this upload was declared with ${outcome.conflict} (at creation or by an earlier PATCH); a file whose bytes changed needs a new upload`,
    )
  }
  throw tusError(
    'state_conflict',
    `document ${doc.id} is ${outcome.tooLate}: the whole file's SHA-256 can be declared only until the upload's last byte`,
  )
}
