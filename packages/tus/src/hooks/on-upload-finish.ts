import type { Upload } from '@tus/utils'
import { isAppError, isSyncInspected, type Logger, type Policies } from '@uplink/core'
import {
  type Database,
  type Document,
  DocumentTransitionError,
  findDocumentByKey,
} from '@uplink/db'
import { type StagingStorage, verifyUpload } from '@uplink/uploads'
import type { Kysely } from 'kysely'
import { NOT_FOUND, tusError } from '../protocol/errors.ts'
import { requestState } from '../protocol/request-state.ts'
import { DOCUMENT_ID_HEADER } from './on-upload-create.ts'
import type { StreamedCheck } from './streamed-check.ts'

interface Deps {
  db: Kysely<Database>
  storage: StagingStorage
  policies: Policies
  log: Logger
  onUploaded?: (documentId: string) => Promise<void>
  /** Settles an upload of a purpose with `inspection: sync` (see finish-inspected.ts). */
  finishInspected?: (doc: Document, uploadId: string, size: number) => Promise<Document>
  /** The content check of an `async` purpose from the PATCH stream (see streamed-check.ts). */
  streamedCheck?: (
    doc: Document,
    uploadId: string,
    size: number,
  ) => Promise<StreamedCheck | undefined>
}

type FinishResponse = { headers: Record<string, string> }

/**
 * After the last byte: the domain's `verifyUpload` decides (HeadObject is the truth; the
 * object must be Upload-Length bytes and within the policy), with every byte known to be
 * written, so a missing object is a rejection too. This hook only maps the outcome to tus:
 * `uploaded` → the document id header, rejected → 422 saying why, settled otherwise → 409.
 */
export function createOnUploadFinish(deps: Deps) {
  return async (_req: Request, upload: Upload): Promise<FinishResponse> => {
    // The row this request's ownership check read; a transition from `pending` is conditional,
    // so a row changed since then cannot be overwritten.
    const doc =
      requestState()?.documents.get(upload.id) ?? (await findDocumentByKey(deps.db, upload.id))
    if (!doc) throw NOT_FOUND
    const done = { headers: { [DOCUMENT_ID_HEADER]: doc.id } }
    if (doc.status === 'uploaded' || doc.status === 'ready') return done
    // Repeating the last PATCH of a rejected upload gets the same answer as the first time.
    if (doc.status === 'rejected') {
      throw tusError(
        'content_rejected',
        `upload rejected: ${doc.rejectionReason ?? 'see the document'}`,
      )
    }
    if (doc.status !== 'pending') {
      throw tusError('state_conflict', `document ${doc.id} is ${doc.status}; start a new upload`)
    }
    // Deferred length: Upload-Length is declared only now, so it is the size to verify.
    const declared = { ...doc, sizeBytes: upload.size ?? doc.sizeBytes }
    // tus: "The Server MUST acknowledge successful PATCH requests with the 204 No Content
    // status": for a purpose inspected synchronously the last PATCH succeeds only once the
    // inspection passed (else 413/422/503, with the reason).
    if (deps.finishInspected && isSyncInspected(deps.policies, doc.purpose)) {
      await deps.finishInspected(doc, upload.id, declared.sizeBytes)
      deps.log.info({ documentId: doc.id, size: upload.size }, 'tus upload inspected and finished')
      return done
    }
    try {
      // The content check as the bytes streamed in, if it can stand: the worker applies it.
      const streamed = await deps.streamedCheck?.(declared, upload.id, declared.sizeBytes)
      // This request completed the multipart upload: what S3 holds is known without a HEAD.
      const stored = requestState()?.completed.get(upload.id)
      await verifyUpload(deps, declared, {
        finished: true,
        ...(stored ? { stored } : {}),
        ...(streamed ? { streamed } : {}),
      })
    } catch (err) {
      // The row left `pending` since this request read it (a DELETE after the last write).
      if (err instanceof DocumentTransitionError)
        throw tusError('state_conflict', `${err.message}; start a new upload`)
      if (!isAppError(err, 'upload_rejected')) throw err
      deps.log.warn({ documentId: doc.id, problem: err.message }, 'tus upload rejected')
      throw tusError('content_rejected', err.message)
    }
    deps.log.info({ documentId: doc.id, size: upload.size }, 'tus upload finished')
    return done
  }
}
