import { isSyncInspected, type Logger, type Policies } from '@uplink/core'
import { type Database, findDocumentByKey } from '@uplink/db'
import { parseStagingKey, type Storage } from '@uplink/storage'
import { isUploadMissing, isUploadRejected, verifyUpload } from '@uplink/uploads'
import type { Kysely } from 'kysely'
import { enqueueJob } from './job-queue.ts'
import type { ObjectCreatedEvent } from './s3-event.ts'

export interface ObjectCreatedDeps {
  db: Kysely<Database>
  storage: Pick<Storage, 'head' | 'delete' | 'copy' | 'bucket'>
  policies: Policies
  log: Logger
}

export type ObjectCreatedOutcome =
  /** pending → uploaded */
  | 'confirmed'
  /** already uploaded or ready (a second delivery, or the client confirmed first) */
  | 'already-confirmed'
  /** the object broke the declared size/type: deleted, row rejected */
  | 'rejected'
  /** no object under that key (a forged or stale event): nothing changed */
  | 'missing'
  /** no document has that key, or the event is for another bucket: dropped */
  | 'unknown-key'
  /** the document is rejected, expired or deleted: nothing to do */
  | 'not-pending'
  /** a purpose inspected synchronously: its upload settles it */
  | 'inspecting'

/**
 * Handles an ObjectCreated event exactly as `uploads.confirm` would: the event is only a hint,
 * HeadObject decides (verifyUpload). An event for a staging key (a put/post upload) belongs to
 * the document of its served key. Idempotent, so at-least-once delivery is safe.
 * Returns the document id with the outcome when a document matched.
 */
export async function onObjectCreated(
  deps: ObjectCreatedDeps,
  event: ObjectCreatedEvent,
): Promise<{ outcome: ObjectCreatedOutcome; documentId?: string }> {
  const servedKey = parseStagingKey(event.key)
  const doc =
    event.bucket === deps.storage.bucket
      ? await findDocumentByKey(deps.db, servedKey ?? event.key)
      : undefined
  if (!doc) {
    deps.log.info({ bucket: event.bucket, key: event.key }, 'S3 event for an unknown key dropped')
    return { outcome: 'unknown-key' }
  }
  const documentId = doc.id
  if (servedKey !== undefined && doc.status !== 'pending') {
    // Written with a still-valid URL after confirm: it can never be served, so drop it now.
    await deps.storage.delete(event.key)
    deps.log.info({ documentId }, 'staging object of a settled document deleted')
  }
  if (doc.status === 'uploaded' || doc.status === 'ready') {
    return { outcome: 'already-confirmed', documentId }
  }
  if (doc.status !== 'pending') return { outcome: 'not-pending', documentId }
  // Its upload is still passing through the inspector, which settles it (never a bare event).
  if (isSyncInspected(deps.policies, doc.purpose)) return { outcome: 'inspecting', documentId }
  try {
    await verifyUpload(deps, doc)
    deps.log.info({ documentId }, 'upload confirmed by S3 event')
    return { outcome: 'confirmed', documentId }
  } catch (err) {
    if (isUploadMissing(err)) {
      deps.log.warn({ documentId, key: event.key }, 'S3 event for an object that does not exist')
      return { outcome: 'missing', documentId }
    }
    if (isUploadRejected(err)) return { outcome: 'rejected', documentId }
    throw err
  }
}

export const JOB_OBJECT_CREATED = 'object-created'
export const JOB_CHECK_CONTENT = 'check-content'

/** Queues events durably (one job per object version); the worker runs onObjectCreated. */
export async function enqueueObjectCreated(
  db: Kysely<Database>,
  events: readonly ObjectCreatedEvent[],
): Promise<number> {
  let queued = 0
  for (const event of events) {
    const key = `${JOB_OBJECT_CREATED}:${event.bucket}/${event.key}:${event.etag ?? ''}`
    if (await enqueueJob(db, { kind: JOB_OBJECT_CREATED, key, payload: event })) queued++
  }
  return queued
}

/** Queues the content checks (`uploaded → ready | rejected`) of a document. */
export async function enqueueContentCheck(
  db: Kysely<Database>,
  documentId: string,
): Promise<boolean> {
  return enqueueJob(db, {
    kind: JOB_CHECK_CONTENT,
    key: `${JOB_CHECK_CONTENT}:${documentId}`,
    payload: { documentId },
  })
}
