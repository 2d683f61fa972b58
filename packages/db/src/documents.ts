import { AppError, canTransition, DOCUMENT_STATUSES, type DocumentStatus } from '@uplink/core'
import type { Kysely } from 'kysely'
import { poolOf } from './create-db.ts'
import { insertBatcher } from './insert-batcher.ts'
import { preparedFindById, preparedTransition } from './prepared-documents.ts'
import type { Database, Document, DocumentUpdate, NewDocument } from './schema.ts'

type Db = Kysely<Database>

/** A transition the state machine does not allow; nothing was written (catalogue `state_conflict`). */
export class DocumentTransitionError extends AppError {
  override readonly name = 'DocumentTransitionError'
  constructor(
    readonly documentId: string,
    readonly from: DocumentStatus,
    readonly to: DocumentStatus,
  ) {
    super('state_conflict', `document ${documentId} is ${from} and cannot become ${to}`)
  }
}

/** A new upload's row; `declaredSha256` is optional (base64 SHA-256 the client declared). */
export type NewPendingDocument = Omit<
  NewDocument,
  'status' | 'confirmedAt' | 'rejectionReason' | 'updatedAt'
>

/** Inserts a `pending` document (the verified `sha256` is never set here, only by a content check). */
export async function insertPendingDocument(db: Db, doc: NewPendingDocument): Promise<Document> {
  const row = { ...doc, status: 'pending' as const }
  // Concurrent starts share one INSERT (see InsertBatcher); inside a transaction, alone.
  const batcher = insertBatcher(db)
  if (batcher) return batcher.insert(row)
  return db.insertInto('documents').values(row).returningAll().executeTakeFirstOrThrow()
}

/** The document if it exists and belongs to `ownerId`; otherwise undefined (never "forbidden"). */
export async function findDocumentForOwner(
  db: Db,
  id: string,
  ownerId: string,
): Promise<Document | undefined> {
  return db
    .selectFrom('documents')
    .selectAll()
    .where('id', '=', id)
    .where('ownerId', '=', ownerId)
    .executeTakeFirst()
}

export async function findDocumentById(db: Db, id: string): Promise<Document | undefined> {
  // On the process's pool (not in a transaction): the prepared statement, compiled by no one.
  const pool = poolOf(db)
  if (pool) return preparedFindById(pool, id)
  return db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst()
}

export async function findDocumentByKey(db: Db, objectKey: string): Promise<Document | undefined> {
  return db
    .selectFrom('documents')
    .selectAll()
    .where('objectKey', '=', objectKey)
    .executeTakeFirst()
}

export async function findDocumentByUploadRef(
  db: Db,
  uploadRef: string,
): Promise<Document | undefined> {
  return db
    .selectFrom('documents')
    .selectAll()
    .where('uploadRef', '=', uploadRef)
    .executeTakeFirst()
}

export interface TransitionOptions {
  to: DocumentStatus
  /** Restrict further which states may move (e.g. only `pending`); the state machine always applies. */
  from?: readonly DocumentStatus[]
  /** Only move the row if it belongs to this owner. */
  ownerId?: string
  set?: Omit<DocumentUpdate, 'status' | 'id' | 'ownerId' | 'objectKey' | 'createdAt'>
}

/**
 * Moves a document to `to` atomically, only from a state the state machine allows.
 * Returns the updated row, undefined if there is no such document, and throws
 * DocumentTransitionError if its current state may not move to `to`.
 */
export async function transitionDocument(
  db: Db,
  id: string,
  options: TransitionOptions,
): Promise<Document | undefined> {
  const allowed = DOCUMENT_STATUSES.filter(
    (s) => canTransition(s, options.to) && (!options.from || options.from.includes(s)),
  )
  const set = {
    ...options.set,
    status: options.to,
    updatedAt: new Date(),
    ...(options.to !== 'pending' ? { expiresAt: null } : {}),
  }
  const updated =
    allowed.length > 0 ? await update(db, id, set, allowed, options.ownerId) : undefined
  if (updated) return updated

  const current = options.ownerId
    ? await findDocumentForOwner(db, id, options.ownerId)
    : await findDocumentById(db, id)
  if (!current) return undefined
  throw new DocumentTransitionError(id, current.status, options.to)
}

/** The transition's update: prepared on the process's pool, else built by Kysely. */
async function update(
  db: Db,
  id: string,
  set: NonNullable<TransitionOptions['set']> & { status: DocumentStatus },
  allowed: readonly DocumentStatus[],
  ownerId: string | undefined,
): Promise<Document | undefined> {
  const pool = poolOf(db)
  const prepared = pool && (await preparedTransition(pool, { id, set, allowed, ownerId }))
  if (prepared) return prepared.row
  let query = db.updateTable('documents').set(set).where('id', '=', id)
  if (ownerId) query = query.where('ownerId', '=', ownerId)
  return query.where('status', 'in', allowed).returningAll().executeTakeFirst()
}

/** Updates in-flight bookkeeping (e.g. the tus id / UploadId) of a pending document. */
export async function setUploadRef(db: Db, id: string, uploadRef: string): Promise<void> {
  await db
    .updateTable('documents')
    .set({ uploadRef, updatedAt: new Date() })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .execute()
}

/**
 * Records the whole-object SHA-256 a client declared after creation (tus `Repr-Digest`) on a
 * `pending` document that has none yet; the content check then compares it like one declared
 * at creation. Returns the updated row, or undefined when nothing was written (not pending, a
 * digest already declared, no such row): the caller re-reads and decides.
 */
export async function declareSha256(
  db: Db,
  id: string,
  sha256: string,
): Promise<Document | undefined> {
  return (
    db
      .updateTable('documents')
      // The one write of `declared_sha256` after insert (the schema keeps it out of updates).
      .set({ declaredSha256: sha256, updatedAt: new Date() } as DocumentUpdate)
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('declaredSha256', 'is', null)
      .returningAll()
      .executeTakeFirst()
  )
}
