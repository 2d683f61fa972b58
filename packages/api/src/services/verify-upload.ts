import { formatBytes, normalizeContentType, type Policies } from '@uplink/core'
import {
  type Database,
  type Document,
  DocumentTransitionError,
  findDocumentById,
  transitionDocument,
} from '@uplink/db'
import type { Storage } from '@uplink/storage'
import type { Kysely } from 'kysely'

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
  storage: Pick<Storage, 'head' | 'delete'>
  policies: Policies
  /** Told after this call moved a document to `uploaded`. */
  onUploaded?: ((documentId: string) => Promise<void>) | undefined
}

/** Why the stored object does not match what was promised, or undefined if it does. */
function findProblem(
  doc: Document,
  head: { size: number; contentType?: string | undefined },
  policies: Policies,
) {
  const maxBytes = Object.hasOwn(policies, doc.purpose)
    ? policies[doc.purpose]?.maxBytes
    : undefined
  if (maxBytes !== undefined && head.size > maxBytes) {
    return `the uploaded object is ${head.size} bytes, over the ${formatBytes(maxBytes)} limit for purpose "${doc.purpose}"`
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
 * the object matches what was declared; rejects and deletes it when it does not. Idempotent:
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

  const head = await deps.storage.head(doc.objectKey)
  if (!head) {
    throw new UploadMissingError(
      `no object has been uploaded for document ${doc.id} yet; upload the bytes to the signed URL, then confirm`,
    )
  }
  const problem = findProblem(doc, head, deps.policies)
  try {
    if (problem) {
      await deps.storage.delete(doc.objectKey)
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
