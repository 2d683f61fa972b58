import { type Kysely, sql } from 'kysely'

// Quota checks sum a user's live documents on every upload start: an index-only scan.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index documents_owner_usage_idx on documents
    (owner_id, status, purpose) include (size_bytes, method, expires_at)
    where status in ('pending', 'uploaded', 'ready')`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('documents_owner_usage_idx').execute()
}
