import { AppError, type Policies, policyFor } from '@uplink/core'
import { type Document, transitionDocument } from '@uplink/db'
import { isStagedMethod, type Storage, stagingKey } from '@uplink/storage'
import { type VerifyDeps, verifyUpload } from '../verify-upload.ts'
import { type InspectionRules, type InspectionVerdict, inspectStream } from './inspection.ts'
import type { Scanner } from './scanner.ts'

/** What settling a synchronously inspected upload needs (no `onUploaded`: no later check). */
export interface SettleDeps extends Omit<VerifyDeps, 'onUploaded' | 'storage'> {
  storage: VerifyDeps['storage'] & Pick<Storage, 'readStream'>
  scanner: Scanner | undefined
}

/** The rules a document's bytes are inspected by: its purpose's policy and what was declared. */
export function inspectionRules(
  policies: Policies,
  doc: Pick<Document, 'purpose' | 'contentType' | 'declaredSha256'>,
  size?: number,
): InspectionRules {
  const policy = policyFor(policies, doc.purpose)
  return {
    purpose: doc.purpose,
    contentType: doc.contentType,
    allowedTypes: policy.contentTypes,
    maxBytes: policy.maxBytes,
    size,
    sha256: doc.declaredSha256,
  }
}

/**
 * Inspects an upload's stored bytes by reading them back (when the bytes were not inspected
 * while they passed: another instance or a restart took part of the upload). `key` defaults
 * to the document's object key.
 */
export async function inspectStored(
  deps: Pick<SettleDeps, 'storage' | 'scanner' | 'policies'>,
  doc: Document,
  size: number | undefined,
  key: string = doc.objectKey,
): Promise<InspectionVerdict> {
  const stream = await deps.storage.readStream(key)
  if (!stream) {
    return { ok: false, code: 'content_rejected', reason: 'the upload is no longer in storage' }
  }
  try {
    return await inspectStream(stream, deps.scanner, inspectionRules(deps.policies, doc, size))
  } finally {
    stream.destroy()
  }
}

/**
 * Applies a synchronous inspection's verdict to a `pending` document. Passed: two-step
 * confirmation as always (`verifyUpload`: HeadObject, staged bytes promoted), then `ready`
 * with the digest. Failed: nothing is kept — the object (and its staged copy) is deleted and
 * the row `rejected` with the reason — and the verdict is thrown as a catalogue error (413,
 * 422, or 503 when the scanner could not run).
 */
export async function settleInspection(
  deps: SettleDeps,
  doc: Document,
  verdict: InspectionVerdict,
  options: { finished?: boolean } = {},
): Promise<Document> {
  if (!verdict.ok) {
    await deps.storage.delete(doc.objectKey)
    if (isStagedMethod(doc.method)) await deps.storage.delete(stagingKey(doc.objectKey))
    await transitionDocument(deps.db, doc.id, {
      to: 'rejected',
      // `uploaded` too: an S3 event may have confirmed the object while it was inspected.
      from: ['pending', 'uploaded'],
      set: { rejectionReason: verdict.reason },
    })
    deps.log?.warn({ documentId: doc.id, reason: verdict.reason }, 'upload refused by inspection')
    throw new AppError(verdict.code, `upload rejected: ${verdict.reason}`, {
      ...(verdict.code === 'scanner_unavailable' ? { retryAfterSeconds: 5 } : {}),
    })
  }
  const checked = { ...doc, sizeBytes: verdict.size }
  const uploaded = await verifyUpload(
    { db: deps.db, storage: deps.storage, policies: deps.policies, log: deps.log },
    checked,
    options,
  )
  if (uploaded.status === 'ready') return uploaded
  const ready = await transitionDocument(deps.db, doc.id, {
    to: 'ready',
    from: ['uploaded'],
    set: { sha256: verdict.sha256, scanNote: null },
  })
  if (!ready) throw new AppError('document_not_found', `document ${doc.id} no longer exists`)
  return ready
}
