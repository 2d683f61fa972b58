import { isAppError, type Logger, type Policies } from '@uplink/core'
import type { Database, Document } from '@uplink/db'
import {
  inspectionRules,
  inspectStored,
  type Scanner,
  type SettleDeps,
  settleInspection,
} from '@uplink/uploads'
import type { Kysely } from 'kysely'
import { tusError } from '../protocol/errors.ts'
import type { SyncInspections } from '../store/sync-inspections.ts'

export interface FinishInspectedDeps {
  db: Kysely<Database>
  storage: SettleDeps['storage']
  policies: Policies
  scanner: Scanner | undefined
  inspections: SyncInspections
  /**
   * Whether the store refuses a part whose checksum is wrong (the once-per-process probe of
   * ChecksumTrust): only then may the bytes that streamed through stand for the stored ones.
   */
  trusted: () => Promise<boolean>
  /** Deletes what the store keeps beside the object (info object, part ledger). */
  forget: (uploadId: string) => Promise<void>
  log: Logger
}

/** How long a client waits before asking again when clamd could not answer. */
const RETRY_AFTER_SECONDS = 5

/**
 * The end of a tus upload whose purpose has `inspection: sync`: the verdict of the inspection
 * the PATCHes streamed through, or — when this process did not see every byte (a resume on
 * another instance, a restart) or its scan connection broke — an inspection of the assembled
 * object read back from S3. Never skipped. The streamed verdict stands for the stored object only
 * when the store verifies every part's checksum; otherwise it is read back too. Passed: `ready` with the digest. Failed: the object
 * and the upload are deleted and a 413/422 names the reason. clamd unreachable: 503, the
 * object kept and the document `pending`, so asking again inspects again.
 */
export async function finishInspected(
  deps: FinishInspectedDeps,
  doc: Document,
  uploadId: string,
  size: number,
): Promise<Document> {
  const rules = inspectionRules(deps.policies, doc, size)
  let streamed = deps.inspections.take(uploadId, size)
  if (streamed && !(await deps.trusted())) {
    streamed.abort()
    streamed = undefined
  }
  let verdict = await streamed?.end(rules)
  if (!verdict || (!verdict.ok && verdict.code === 'scanner_unavailable')) {
    deps.log.info({ documentId: doc.id }, 'inspecting the upload from storage')
    verdict = await inspectStored(deps, { ...doc, sizeBytes: size }, size)
  }
  if (!verdict.ok && verdict.code === 'scanner_unavailable') {
    deps.log.error({ documentId: doc.id, reason: verdict.reason }, 'upload not inspected')
    // RFC 9110 §10.2.3: Retry-After with a 503 says how long the client ought to wait.
    throw tusError(
      'scanner_unavailable',
      `${verdict.reason}; the upload is kept but not accepted until it is inspected: retry in ${RETRY_AFTER_SECONDS} seconds`,
      { 'Retry-After': String(RETRY_AFTER_SECONDS) },
    )
  }
  try {
    return await settleInspection(deps, { ...doc, sizeBytes: size }, verdict, { finished: true })
  } catch (err) {
    if (!isAppError(err)) throw err
    if (
      err.code !== 'content_rejected' &&
      err.code !== 'content_too_large' &&
      err.code !== 'upload_rejected'
    ) {
      throw err
    }
    // "Nothing is kept": the info object and part ledger go with the object.
    await deps.forget(uploadId)
    throw tusError(err.code === 'content_too_large' ? err.code : 'content_rejected', err.message)
  }
}
