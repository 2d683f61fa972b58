import { type Database, findDocumentByKey, transitionDocument } from '@uplink/db'
import type { Kysely } from 'kysely'
import { parseUploadId } from '../protocol/upload-id.ts'

/** What a tus DELETE does to an upload's document; the store calls it under the upload's lock. */
export interface Termination {
  /**
   * True once the upload's document has left `pending` (uploaded, ready, rejected): its object
   * is the document's, deleted only by `documents.delete`, so a DELETE frees the tus state alone.
   */
  isSettled(id: string): Promise<boolean>
  /** After a settled upload's tus state went: HEAD and PATCH now answer 410, the document stays. */
  afterForget(id: string): Promise<void>
  /** After an unfinished upload was removed from S3: its row becomes `deleted`. */
  afterRemove(id: string): Promise<void>
}

export function createTermination(db: Kysely<Database>): Termination {
  return {
    async isSettled(id) {
      const doc = await findDocumentByKey(db, id)
      return doc !== undefined && doc.status !== 'pending'
    },
    async afterForget(id) {
      // `upload_ref` names the tus upload; without it the row says "no tus resource" (as after
      // cleanupExpired). Status, object and digest are untouched.
      await db
        .updateTable('documents')
        .set({ uploadRef: null })
        .where('objectKey', '=', id)
        .where('method', '=', 'tus')
        .execute()
    },
    async afterRemove(id) {
      const parts = parseUploadId(id)
      if (!parts) return
      await transitionDocument(db, parts.documentId, { to: 'deleted', from: ['pending'] })
    },
  }
}
