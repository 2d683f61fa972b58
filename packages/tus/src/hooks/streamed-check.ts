import type { Logger, Policies } from '@uplink/core'
import { type Database, type Document, transitionDocument } from '@uplink/db'
import {
  type ChecksumTrust,
  inspectionRules,
  type StagingStorage,
  storedSha256Mismatch,
} from '@uplink/uploads'
import type { Kysely } from 'kysely'
import type { SyncInspections } from '../store/sync-inspections.ts'

/** What the bytes of an `async` purpose's upload showed as they streamed into the store. */
export type StreamedCheck =
  | { kind: 'verified'; sha256: string }
  | { kind: 'rejected'; reason: string }

export interface StreamedCheckDeps {
  db: Kysely<Database>
  storage: Pick<StagingStorage, 'delete'>
  policies: Policies
  inspections: SyncInspections
  trust: ChecksumTrust
  log: Logger
}

/**
 * The content check of an `async` purpose's tus upload, from the stream: when this process saw
 * every byte (one PATCH, or a contiguous series here) and the store verified every part's
 * checksum (`trust`), the type sniff and the SHA-256 need no read-back. Undefined whenever
 * anything is unsure: the worker then reads the object back as it always did.
 */
export async function streamedCheck(
  deps: StreamedCheckDeps,
  doc: Document,
  uploadId: string,
  size: number,
): Promise<StreamedCheck | undefined> {
  const inspection = deps.inspections.take(uploadId, size)
  if (!inspection) return undefined
  if (!(await deps.trust.trusted())) {
    inspection.abort()
    return undefined
  }
  // The declared digest is compared below, in the words the worker's read-back uses.
  const rules = { ...inspectionRules(deps.policies, doc, size), sha256: undefined }
  const verdict = await inspection.end(rules)
  if (!verdict.ok) {
    return verdict.code === 'content_rejected'
      ? { kind: 'rejected', reason: verdict.reason }
      : undefined
  }
  if (doc.declaredSha256 && doc.declaredSha256 !== verdict.sha256) {
    return { kind: 'rejected', reason: storedSha256Mismatch(verdict.sha256, doc.declaredSha256) }
  }
  return { kind: 'verified', sha256: verdict.sha256 }
}

/**
 * A streamed check rejected the upload: as the worker would, the object is deleted and the row
 * `rejected` with the reason (straight from `pending`, so no content check is queued).
 * Returns the row, or undefined when it no longer exists.
 */
export async function rejectStreamed(
  deps: Pick<StreamedCheckDeps, 'db' | 'storage' | 'log'>,
  doc: Document,
  reason: string,
): Promise<Document | undefined> {
  await deps.storage.delete(doc.objectKey)
  deps.log.warn({ documentId: doc.id, reason }, 'upload rejected by content checks (streamed)')
  return transitionDocument(deps.db, doc.id, {
    to: 'rejected',
    from: ['pending'],
    set: { rejectionReason: reason },
  })
}
