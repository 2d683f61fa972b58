import type { UploadUsage } from '@uplink/core'
import { type Kysely, sql } from 'kysely'
import { insertPendingDocument, type NewPendingDocument } from './documents.ts'
import type { Database, Document } from './schema.ts'

/**
 * What `ownerId` holds now, in one query (index `documents_owner_usage_idx`): unexpired pending
 * uploads (all, and multipart/tus), their declared bytes, and stored bytes of `purpose`.
 */
export async function uploadUsage(
  db: Kysely<Database>,
  ownerId: string,
  purpose: string,
): Promise<UploadUsage> {
  const pending = sql<boolean>`status = 'pending' and (expires_at is null or expires_at > now())`
  const row = await db
    .selectFrom('documents')
    .select([
      sql<number>`count(*) filter (where ${pending})::int`.as('pendingUploads'),
      sql<number>`count(*) filter (where ${pending} and method in ('multipart', 'tus'))::int`.as(
        'unfinishedUploads',
      ),
      sql<number>`coalesce(sum(size_bytes) filter (where ${pending}), 0)::int8`.as('bytesInFlight'),
      sql<number>`coalesce(sum(size_bytes) filter (where status in ('uploaded', 'ready') and purpose = ${purpose}), 0)::int8`.as(
        'storedBytes',
      ),
    ])
    .where('ownerId', '=', ownerId)
    .where('status', 'in', ['pending', 'uploaded', 'ready'])
    .executeTakeFirstOrThrow()
  return {
    pendingUploads: Number(row.pendingUploads),
    unfinishedUploads: Number(row.unfinishedUploads),
    bytesInFlight: Number(row.bytesInFlight),
    storedBytes: Number(row.storedBytes),
  }
}

/**
 * Inserts a `pending` document once `admit` accepted its owner's current usage (it throws to
 * refuse). One short transaction holding a per-owner advisory lock: concurrent starts by one
 * user are counted one after the other, so they cannot all pass a quota at once.
 */
export async function insertPendingDocumentWithin(
  db: Kysely<Database>,
  doc: NewPendingDocument,
  admit: (usage: UploadUsage) => void,
): Promise<Document> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`uplink-quota:${doc.ownerId}`}, 0))`.execute(
      trx,
    )
    admit(await uploadUsage(trx, doc.ownerId, doc.purpose))
    return insertPendingDocument(trx, doc)
  })
}
