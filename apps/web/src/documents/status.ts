import type { DocumentStatus, DocumentView } from '@uplink/core/browser'
import { stateText, type UploadState } from '../upload/upload-state.ts'

/** Statuses that never change again (except by deleting): no need to keep asking. */
export const FINAL_STATUSES: ReadonlySet<DocumentStatus> = new Set([
  'ready',
  'rejected',
  'expired',
  'deleted',
])

const LABELS: Record<DocumentStatus, string> = {
  // Pending with no upload in this page: in another tab or app, or given up.
  pending: 'Upload not finished',
  uploaded: 'Uploaded, being checked',
  ready: 'Ready',
  rejected: 'Rejected',
  expired: 'Expired: the upload was never finished',
  deleted: 'Deleted',
}

/**
 * The status in words, with the reason for a rejection. A pending document whose upload runs
 * in this page says what its tile says (the one upload-state model), never a guess.
 */
export function statusText(
  doc: Pick<DocumentView, 'status' | 'rejectionReason'>,
  upload?: UploadState,
): string {
  if (doc.status === 'pending' && upload) return stateText(upload)
  const label = LABELS[doc.status]
  return doc.status === 'rejected' && doc.rejectionReason
    ? `${label}: ${doc.rejectionReason}`
    : label
}
