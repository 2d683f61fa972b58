import { checkQuotas, type Quotas, type UploadUsage } from '@uplink/core'
import { type Kysely, sql } from 'kysely'
import type { NewPendingDocument } from './documents.ts'
import type { Database, Document } from './schema.ts'

/**
 * What `ownerId` holds now, in one query (SQL function `uplink_upload_usage`, index
 * `documents_owner_usage_idx`): unexpired pending uploads (all, and multipart/tus), their
 * declared bytes, and stored bytes of `purpose`.
 */
export async function uploadUsage(
  db: Kysely<Database>,
  ownerId: string,
  purpose: string,
): Promise<UploadUsage> {
  const { rows } =
    await sql<UploadUsage>`select * from uplink_upload_usage(${ownerId}, ${purpose})`.execute(db)
  return toUsage(rows[0]!)
}

/**
 * Inserts a `pending` document unless a quota refuses it, then throws core's QuotaError. One
 * round trip: SQL function `uplink_insert_pending_document` takes the per-owner advisory lock,
 * counts and inserts, so concurrent starts by one user are counted one after the other (none
 * can slip past a quota) while the lock is held only inside Postgres.
 */
export async function insertPendingDocumentWithin(
  db: Kysely<Database>,
  doc: NewPendingDocument,
  quotas: Quotas,
): Promise<Document> {
  // Every column a pending row is given: adding one to NewPendingDocument fails to compile here
  // until the SQL function (a new migration) takes it too.
  const values: { [K in keyof Required<NewPendingDocument>]: unknown } = {
    id: doc.id,
    ownerId: doc.ownerId,
    purpose: doc.purpose,
    objectKey: doc.objectKey,
    filename: doc.filename,
    contentType: doc.contentType,
    sizeBytes: doc.sizeBytes,
    method: doc.method,
    uploadRef: doc.uploadRef ?? null,
    expiresAt: doc.expiresAt ?? null,
    declaredSha256: doc.declaredSha256 ?? null,
  }
  const { rows } = await sql<Document & UsageColumns>`
    select (r.document).*, r.usage_pending_uploads, r.usage_unfinished_uploads,
      r.usage_bytes_in_flight, r.usage_stored_bytes
    from uplink_insert_pending_document(
      ${values.id}, ${values.ownerId}, ${values.purpose}, ${values.objectKey}, ${values.filename},
      ${values.contentType}, ${values.sizeBytes}, ${values.method}, ${values.uploadRef},
      ${values.expiresAt}, ${values.declaredSha256},
      ${quotas.pendingUploads}, ${quotas.unfinishedUploads}, ${quotas.bytesInFlight},
      ${quotas.storedBytesPerPurpose}) r`.execute(db)
  const {
    usagePendingUploads,
    usageUnfinishedUploads,
    usageBytesInFlight,
    usageStoredBytes,
    ...row
  } = rows[0]!
  if (row.id !== null) return row
  const usage = toUsage({
    pendingUploads: usagePendingUploads,
    unfinishedUploads: usageUnfinishedUploads,
    bytesInFlight: usageBytesInFlight,
    storedBytes: usageStoredBytes,
  })
  checkQuotas(quotas, usage, { size: doc.sizeBytes, method: doc.method, purpose: doc.purpose })
  throw new Error(
    `uplink_insert_pending_document refused an upload that checkQuotas admits (usage ${JSON.stringify(usage)}): the two rules disagree`,
  )
}

interface UsageColumns {
  usagePendingUploads: number
  usageUnfinishedUploads: number
  usageBytesInFlight: number
  usageStoredBytes: number
}

const toUsage = (u: UploadUsage): UploadUsage => ({
  pendingUploads: Number(u.pendingUploads),
  unfinishedUploads: Number(u.unfinishedUploads),
  bytesInFlight: Number(u.bytesInFlight),
  storedBytes: Number(u.storedBytes),
})
