import type { DocumentStatus, DocumentView } from '@uplink/core/browser'

/** Statuses that never change again (except by deleting): no need to keep asking. */
export const FINAL_STATUSES: ReadonlySet<DocumentStatus> = new Set([
  'ready',
  'rejected',
  'expired',
  'deleted',
])

const LABELS: Record<DocumentStatus, string> = {
  pending: 'Uploading',
  uploaded: 'Uploaded, being checked',
  ready: 'Ready',
  rejected: 'Rejected',
  expired: 'Expired: the upload was never finished',
  deleted: 'Deleted',
}

/** The status in words, with the reason for a rejection. */
export function statusText(doc: Pick<DocumentView, 'status' | 'rejectionReason'>): string {
  const label = LABELS[doc.status]
  return doc.status === 'rejected' && doc.rejectionReason
    ? `${label}: ${doc.rejectionReason}`
    : label
}
