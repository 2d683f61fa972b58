import type { Upload } from '@tus/utils'
import { formatBytes, normalizeContentType, type Policies } from '@uplink/core'
import { type Database, type Document, findDocumentByKey, transitionDocument } from '@uplink/db'
import type { Storage } from '@uplink/storage'
import type { Kysely } from 'kysely'
import { NOT_FOUND, tusError } from './errors.ts'
import type { Logger } from './logger.ts'
import { DOCUMENT_ID_HEADER } from './on-upload-create.ts'

interface Deps {
  db: Kysely<Database>
  storage: Pick<Storage, 'head' | 'delete'>
  policies: Policies
  log: Logger
  onUploaded?: (documentId: string) => Promise<void>
}

type FinishResponse = { headers: Record<string, string> }

/**
 * After the last byte: HeadObject is the truth. The object must be Upload-Length bytes (and
 * within the policy); then the row becomes `uploaded`. Otherwise
 * the object is deleted, the row `rejected` with the reason, and the client gets a 422 saying why.
 */
export function createOnUploadFinish(deps: Deps) {
  return async (_req: Request, upload: Upload): Promise<FinishResponse> => {
    const doc = await findDocumentByKey(deps.db, upload.id)
    if (!doc) throw NOT_FOUND
    const done = { headers: { [DOCUMENT_ID_HEADER]: doc.id } }
    if (doc.status === 'uploaded' || doc.status === 'ready') return done
    // Repeating the last PATCH of a rejected upload gets the same answer as the first time.
    if (doc.status === 'rejected') {
      throw tusError(422, `upload rejected: ${doc.rejectionReason ?? 'see the document'}`)
    }
    if (doc.status !== 'pending') {
      throw tusError(409, `document ${doc.id} is ${doc.status}; start a new upload`)
    }

    const problem = await verifyObject(deps, doc, upload)
    if (problem) {
      deps.log.warn({ documentId: doc.id, problem }, 'tus upload rejected')
      await deps.storage.delete(doc.objectKey)
      await transitionDocument(deps.db, doc.id, {
        to: 'rejected',
        from: ['pending'],
        set: { rejectionReason: problem },
      })
      throw tusError(422, `upload rejected: ${problem}`)
    }
    await transitionDocument(deps.db, doc.id, {
      to: 'uploaded',
      from: ['pending'],
      set: { confirmedAt: new Date(), sizeBytes: upload.size ?? doc.sizeBytes },
    })
    deps.log.info({ documentId: doc.id, size: upload.size }, 'tus upload finished')
    await deps.onUploaded?.(doc.id)
    return done
  }
}

/**
 * Why the stored object does not match the upload, or undefined when it does. The Content-Type
 * was set when the multipart upload was created; a store that dropped it is only logged, since
 * downloads are signed with the document's type (`response-content-type`) whatever the object has.
 */
async function verifyObject(deps: Deps, doc: Document, upload: Upload) {
  const head = await deps.storage.head(doc.objectKey)
  if (!head) return 'the upload finished but no object is in storage'
  if (head.size !== upload.size) {
    return `the stored object is ${head.size} bytes but Upload-Length was ${upload.size}`
  }
  const policy = Object.hasOwn(deps.policies, doc.purpose) ? deps.policies[doc.purpose] : undefined
  if (policy && head.size > policy.maxBytes) {
    return `the object is ${head.size} bytes, over the ${formatBytes(policy.maxBytes)} limit for purpose "${doc.purpose}"`
  }
  if (normalizeContentType(head.contentType ?? '') !== doc.contentType) {
    deps.log.warn(
      { documentId: doc.id, stored: head.contentType, declared: doc.contentType },
      'the store did not keep the Content-Type of the multipart upload',
    )
  }
  return undefined
}
