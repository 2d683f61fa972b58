import {
  AppError,
  formatBytes,
  isAppError,
  type Logger,
  normalizeContentType,
  type Policies,
} from '@uplink/core'
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

export interface VerifyDeps {
  db: Kysely<Database>
  storage: StagingStorage
  policies: Policies
  /** Told after this call moved a document to `uploaded` (with the row as updated). */
  onUploaded?: ((documentId: string, doc?: Document) => Promise<void>) | undefined
  /** Gets the notes that do not reject (a store that dropped a tus upload's Content-Type). */
  log?: Logger | undefined
}

/** What the stored object says about a document: a reason to reject it, and notes to log. */
export interface ObjectVerdict {
  problem?: string
  note?: string
}

/**
 * The one rule for "is the stored object what was declared?", in this order: within the
 * purpose's maximum, within what one PUT/POST may carry (staged uploads), exactly the declared
 * size, the declared Content-Type. The type is signed into presigned uploads (rule 5) and set by
 * Uplink on multipart; the tus store sets it itself, and downloads are signed with the
 * document's type whatever the object has, so for tus a mismatch is only a note.
 */
export function judgeObject(
  doc: Document,
  head: Pick<ObjectHead, 'size' | 'contentType'>,
  policies: Policies,
): ObjectVerdict {
  const maxBytes = Object.hasOwn(policies, doc.purpose)
    ? policies[doc.purpose]?.maxBytes
    : undefined
  if (maxBytes !== undefined && head.size > maxBytes) {
    return {
      problem: `the uploaded object is ${head.size} bytes, over the ${formatBytes(maxBytes)} limit for purpose "${doc.purpose}"`,
    }
  }
  // S3 takes at most 5 GiB in one PUT/POST, and one CopyObject moves at most 5 GiB: a store
  // that accepted more gets a clear rejection instead of a failed copy.
  if (isStagedMethod(doc.method) && head.size > MAX_COPY_OBJECT_BYTES) {
    return {
      problem: `the uploaded object is ${head.size} bytes, over the ${formatBytes(MAX_COPY_OBJECT_BYTES)} a single PUT or POST may carry; upload it with multipart or tus`,
    }
  }
  if (head.size !== doc.sizeBytes) {
    const declared =
      doc.method === 'tus'
        ? `Upload-Length was ${doc.sizeBytes}`
        : `${doc.sizeBytes} bytes were declared`
    return { problem: `the uploaded object is ${head.size} bytes but ${declared}` }
  }
  const actual = normalizeContentType(head.contentType ?? '')
  if (actual !== doc.contentType) {
    const mismatch = `the uploaded object has Content-Type "${actual || '(none)'}" but "${doc.contentType}" was declared`
    return doc.method === 'tus' ? { note: mismatch } : { problem: mismatch }
  }
  return {}
}

export interface VerifyOptions {
  /**
   * Every byte is known to be written (tus finished the upload): a missing object is then a
   * rejection rather than "not uploaded yet".
   */
  finished?: boolean
  /**
   * The object as the caller itself just made it (tus: the multipart upload its request
   * completed, whose verified parts add up to the length), judged instead of a HeadObject.
   */
  stored?: Pick<ObjectHead, 'size' | 'contentType'> | undefined
  /**
   * The content check of the bytes as they streamed into a store that verified every part's
   * checksum (tus): its digest, or why they failed it. Recorded with `uploaded`, it spares the
   * content check (@uplink/events) a read of the object.
   */
  streamed?: { sha256: string } | { rejection: string } | undefined
}

/**
 * Two-step confirmation (rule 6): HeadObject is the truth. Moves `pending` → `uploaded` when
 * the object matches what was declared (judgeObject); rejects and deletes it when it does not.
 * A put/post upload is first moved from its staging key to the served key (promoteStaged).
 * Idempotent: an already-confirmed document is returned as it is. Throws AppError
 * `upload_missing` (the row stays pending), `upload_rejected`, or DocumentTransitionError.
 */
export async function verifyUpload(
  deps: VerifyDeps,
  doc: Document,
  options: VerifyOptions = {},
): Promise<Document> {
  if (doc.status === 'uploaded' || doc.status === 'ready') return doc
  if (doc.status === 'rejected') {
    throw new AppError(
      'upload_rejected',
      `this upload was rejected: ${doc.rejectionReason ?? 'unknown reason'}`,
    )
  }
  if (doc.status !== 'pending') {
    throw new DocumentTransitionError(doc.id, doc.status, 'uploaded')
  }

  const judge = (head: ObjectHead) => judgeObject(doc, head, deps.policies).problem
  const head = isStagedMethod(doc.method)
    ? await promoteStaged(deps.storage, doc, judge)
    : (options.stored ?? (await deps.storage.head(doc.objectKey)))
  if (!head && !options.finished) {
    throw new AppError(
      'upload_missing',
      `no object has been uploaded for document ${doc.id} yet; upload the bytes to the signed URL, then confirm`,
    )
  }
  const verdict = head
    ? judgeObject(doc, head, deps.policies)
    : { problem: 'the upload finished but no object is in storage' }
  if (verdict.note) deps.log?.warn({ documentId: doc.id, note: verdict.note }, verdict.note)
  try {
    if (verdict.problem) {
      await deps.storage.delete(doc.objectKey)
      if (isStagedMethod(doc.method)) await deps.storage.delete(stagingKey(doc.objectKey))
      await transitionDocument(deps.db, doc.id, {
        to: 'rejected',
        from: ['pending'],
        set: { rejectionReason: verdict.problem },
      })
      throw new AppError('upload_rejected', `upload rejected: ${verdict.problem}`)
    }
    const updated = await transitionDocument(deps.db, doc.id, {
      to: 'uploaded',
      from: ['pending'],
      // The size as verified (a tus upload with deferred length declares it only at the end).
      set: {
        confirmedAt: new Date(),
        sizeBytes: doc.sizeBytes,
        ...(options.streamed && 'sha256' in options.streamed
          ? { sha256: options.streamed.sha256 }
          : {}),
        ...(options.streamed && 'rejection' in options.streamed
          ? { streamRejection: options.streamed.rejection }
          : {}),
      },
    })
    if (!updated) throw new AppError('upload_missing', `document ${doc.id} no longer exists`)
    await deps.onUploaded?.(updated.id, updated)
    return updated
  } catch (err) {
    // A concurrent confirm got there first: answer with its outcome.
    if (!(err instanceof DocumentTransitionError)) throw err
    const current = await findDocumentById(deps.db, doc.id)
    if (current && current.status !== 'pending') return verifyUpload(deps, current, options)
    throw err
  }
}

/** True when `err` says the upload was rejected (now or earlier). */
export const isUploadRejected = (err: unknown) => isAppError(err, 'upload_rejected')
/** True when `err` says no object is there yet. */
export const isUploadMissing = (err: unknown) => isAppError(err, 'upload_missing')
