import { AppError, contentDisposition, dispositionTypeFor } from '@uplink/core'
import type { Document } from '@uplink/db'
import type { ObjectHead } from '@uplink/storage'
import { assertDownloadable, reprDigest } from './download-url.ts'

/** What a streamed read of a document says about its bytes, before any range is applied. */
export interface DocumentContent {
  key: string
  /** Bytes of the stored object (the truth S3 serves, verified at confirm). */
  size: number
  /** The stored object's strong ETag, quoted as S3 sends it; also used as S3 If-Match. */
  etag: string
  lastModified: Date | undefined
  contentType: string
  contentDisposition: string
  /** RFC 9530 `Repr-Digest` value, once the content check has verified the SHA-256. */
  reprDigest: string | undefined
}

/**
 * May the owner read this document's bytes now, and what are they? The caller has checked
 * ownership; `head` is the object's HeadObject. Throws `not_downloadable` for a status not in
 * `downloadable` (as the signed GET does) and `document_not_found` when no object is stored.
 * Content-Type and Content-Disposition follow the signed GET's rules; `disposition` forces one.
 */
export function documentContent(
  doc: Document,
  head: ObjectHead | undefined,
  options: {
    downloadable?: readonly Document['status'][] | undefined
    disposition?: 'inline' | 'attachment' | undefined
  } = {},
): DocumentContent {
  assertDownloadable(doc, options.downloadable)
  if (!head?.etag) {
    throw new AppError('document_not_found', `document ${doc.id} has no stored bytes`)
  }
  const type = options.disposition ?? dispositionTypeFor(doc.contentType)
  return {
    key: doc.objectKey,
    size: head.size,
    etag: head.etag,
    lastModified: head.lastModified,
    contentType: doc.contentType,
    contentDisposition: contentDisposition(type, doc.filename),
    reprDigest: doc.sha256 ? reprDigest(doc.sha256) : undefined,
  }
}
