import type { DocumentView } from '@uplink/core'
import type { Document } from '@uplink/db'

/** The API's view of a document row: no owner, no key, no URL. */
export function toDocumentView(doc: Document): DocumentView {
  return {
    id: doc.id,
    purpose: doc.purpose,
    filename: doc.filename,
    contentType: doc.contentType,
    size: doc.sizeBytes,
    status: doc.status,
    method: doc.method,
    createdAt: doc.createdAt.toISOString(),
    confirmedAt: doc.confirmedAt?.toISOString() ?? null,
    rejectionReason: doc.rejectionReason,
    sha256: doc.sha256,
    scanNote: doc.scanNote,
  }
}
