import type { Document } from '@uplink/db'
import type { PresignedGet, Storage } from '@uplink/storage'

/** Statuses whose bytes may be handed out by default (only `ready` once a scanner runs). */
export const DEFAULT_DOWNLOADABLE: readonly Document['status'][] = ['uploaded', 'ready']

export class NotDownloadableError extends Error {
  override readonly name = 'NotDownloadableError'
}

/**
 * A fresh signed GET for a document the caller owns (the caller has checked ownership).
 * Minted at the moment of use and returned, never stored (rule 2).
 */
export async function mintDownloadUrl(
  storage: Pick<Storage, 'presignGet'>,
  doc: Document,
  expiresInSeconds: number,
  downloadable: readonly Document['status'][] = DEFAULT_DOWNLOADABLE,
): Promise<PresignedGet> {
  if (!downloadable.includes(doc.status)) {
    throw new NotDownloadableError(`document ${doc.id} is ${doc.status} and cannot be downloaded`)
  }
  return storage.presignGet({
    key: doc.objectKey,
    filename: doc.filename,
    contentType: doc.contentType,
    expiresInSeconds,
  })
}
