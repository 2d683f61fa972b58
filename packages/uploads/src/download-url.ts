import { AppError } from '@uplink/core'
import type { Document } from '@uplink/db'
import type { PresignedGet, Storage } from '@uplink/storage'

/** Statuses whose bytes may be handed out by default (only `ready` once a scanner runs). */
export const DEFAULT_DOWNLOADABLE: readonly Document['status'][] = ['uploaded', 'ready']

/**
 * A fresh signed GET for a document the caller owns (the caller has checked ownership).
 * Minted at the moment of use and returned, never stored (rule 2). Throws AppError
 * `not_downloadable` for a status not in `downloadable`.
 */
export async function mintDownloadUrl(
  storage: Pick<Storage, 'presignGet'>,
  doc: Document,
  expiresInSeconds: number,
  downloadable: readonly Document['status'][] = DEFAULT_DOWNLOADABLE,
): Promise<PresignedGet> {
  assertDownloadable(doc, downloadable)
  return storage.presignGet({
    key: doc.objectKey,
    filename: doc.filename,
    contentType: doc.contentType,
    expiresInSeconds,
  })
}

/**
 * Throws AppError `not_downloadable` unless the document's status lets its bytes be handed
 * out (the one rule for signed GETs and streamed reads alike).
 */
export function assertDownloadable(
  doc: Document,
  downloadable: readonly Document['status'][] = DEFAULT_DOWNLOADABLE,
): void {
  if (!downloadable.includes(doc.status)) {
    throw new AppError(
      'not_downloadable',
      `document ${doc.id} is ${doc.status} and cannot be downloaded`,
    )
  }
}

/**
 * The RFC 9530 `Repr-Digest` field value for a base64 SHA-256: `sha-256=:<base64>:`
 * ("the digest ... is encoded as a Byte Sequence", RFC 9530 §3 / RFC 8941 §3.3.5).
 */
export function reprDigest(sha256: string): string {
  return `sha-256=:${sha256}:`
}
