import type { Policies } from '@uplink/core'
import type { Document } from '@uplink/db'
import { type ChecksumTrust, inspectionRules, storedSha256Mismatch } from '@uplink/uploads'
import type { SyncInspections } from '../store/sync-inspections.ts'

/** What the bytes of an `async` purpose's upload showed as they streamed into the store. */
export type StreamedCheck = { sha256: string } | { rejection: string }

export interface StreamedCheckDeps {
  policies: Policies
  inspections: SyncInspections
  trust: ChecksumTrust
}

/**
 * The content check of an `async` purpose's tus upload, from the stream: when this process saw
 * every byte (one PATCH, or a contiguous series here) and the store is known to verify every
 * part's checksum (`trust`; never waited for: until the probe has answered, uploads are read
 * back), the type sniff and the SHA-256 need no read-back. Recorded with `uploaded`, the worker
 * applies it. Undefined whenever anything is unsure: the worker then reads the object back.
 */
export async function streamedCheck(
  deps: StreamedCheckDeps,
  doc: Document,
  uploadId: string,
  size: number,
): Promise<StreamedCheck | undefined> {
  const inspection = deps.inspections.take(uploadId, size)
  if (!inspection) return undefined
  if (deps.trust.known !== true) {
    inspection.abort()
    return undefined
  }
  // The declared digest is compared below, in the words the worker's read-back uses.
  const rules = { ...inspectionRules(deps.policies, doc, size), sha256: undefined }
  const verdict = await inspection.end(rules)
  if (!verdict.ok)
    return verdict.code === 'content_rejected' ? { rejection: verdict.reason } : undefined
  if (doc.declaredSha256 && doc.declaredSha256 !== verdict.sha256) {
    return { rejection: storedSha256Mismatch(verdict.sha256, doc.declaredSha256) }
  }
  return { sha256: verdict.sha256 }
}
