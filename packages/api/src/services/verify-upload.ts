import { formatBytes, normalizeContentType, type Policies } from '@uplink/core'
import {
  type Database,
  type Document,
  DocumentTransitionError,
  findDocumentById,
  transitionDocument,
} from '@uplink/db'
import { isStagedMethod, MAX_COPY_OBJECT_BYTES, type ObjectHead, stagingKey } from '@uplink/storage'
import type { Kysely } from 'kysely'
import { promoteStaged, type StagingStorage } from './promote-staged.ts'

/** The object is not in S3 (yet): the row stays `pending` and the client may try again. */
export class UploadMissingError extends Error {
  override readonly name = 'UploadMissingError'
}

/** The object broke the rules; it was deleted and the row is `rejected` with this reason. */
export class UploadRejectedError extends Error {
  override readonly name = 'UploadRejectedError'
}

interface Deps {
  db: Kysely<Database>
  storage: StagingStorage
  policies: Policies
  /** Told after this call moved a document to `uploaded`. */
  onUploaded?: ((documentId: string) => Promise<void>) | undefined
}

/** Why the stored object does not match what was promised, or undefined if it does. */
function findProblem(doc: Document, head: ObjectHead, policies: Policies) {
  const maxBytes = Object.hasOwn(policies, doc.purpose)
    ? policies[doc.purpose]?.maxBytes
    : undefined
  if (maxBytes !== undefined && head.size > maxBytes) {
    return `the uploaded object is ${head.size} bytes, over the ${formatBytes(maxBytes)} limit for purpose "${doc.purpose}"`
  }
  // S3 takes at most 5 GiB in one PUT/POST, and one CopyObject moves at most 5 GiB: a store
  // that accepted more gets a clear rejection instead of a failed copy.
  if (isStagedMethod(doc.method) && head.size > MAX_COPY_OBJECT_BYTES) {
    return `the uploaded object is ${head.size} bytes, over the ${formatBytes(MAX_COPY_OBJECT_BYTES)} a single PUT or POST may carry; upload it with multipart or tus`
  }
  if (head.size !== doc.sizeBytes) {
    return `the uploaded object is ${head.size} bytes but ${doc.sizeBytes} bytes were declared`
  }
  const actual = normalizeContentType(head.contentType ?? '')
  if (actual !== doc.contentType) {
    return `the uploaded object has Content-Type "${actual || '(none)'}" but "${doc.contentType}" was declared`
  }
  return undefined
}

/**
 * Two-step confirmation (rule 6): HeadObject is the truth. Moves `pending` → `uploaded` when
 * the object matches what was declared; rejects and deletes it when it does not. A put/post
 * upload is first moved from its staging key to the served key (promoteStaged). Idempotent:
 * an already-confirmed document is returned as it is.
 */
export async function verifyUpload(deps: Deps, doc: Document): Promise<Document> {
  if (doc.status === 'uploaded' || doc.status === 'ready') return doc
  if (doc.status === 'rejected') {
    throw new UploadRejectedError(
      `this upload was rejected: ${doc.rejectionReason ?? 'unknown reason'}`,
    )
  }
  if (doc.status !== 'pending') {
    throw new DocumentTransitionError(doc.id, doc.status, 'uploaded')
  }

  const judge = (head: ObjectHead) => findProblem(doc, head, deps.policies)
  const head = isStagedMethod(doc.method)
    ? await promoteStaged(deps.storage, doc, judge)
    : await deps.storage.head(doc.objectKey)
  if (!head) {
    throw new UploadMissingError(
      `no object has been uploaded for document ${doc.id} yet; upload the bytes to the signed URL, then confirm`,
    )
  }
  const problem = judge(head)
  try {
    if (problem) {
      await deps.storage.delete(doc.objectKey)
      if (isStagedMethod(doc.method)) await deps.storage.delete(stagingKey(doc.objectKey))
      await transitionDocument(deps.db, doc.id, {
        to: 'rejected',
        from: ['pending'],
        set: { rejectionReason: problem },
      })
      throw new UploadRejectedError(`upload rejected: ${problem}`)
    }
    const updated = await transitionDocument(deps.db, doc.id, {
      to: 'uploaded',
      from: ['pending'],
      set: { confirmedAt: new Date() },
    })
    if (!updated) throw new UploadMissingError(`document ${doc.id} no longer exists`)
    await deps.onUploaded?.(updated.id)
    return updated
  } catch (err) {
    // A concurrent confirm got there first: answer with its outcome.
    if (!(err instanceof DocumentTransitionError)) throw err
    const current = await findDocumentById(deps.db, doc.id)
    if (current && current.status !== 'pending') return verifyUpload(deps, current)
    throw err
  }
}
