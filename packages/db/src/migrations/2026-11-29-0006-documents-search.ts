import { type Kysely, sql } from 'kysely'

// "My documents" sorted by name (case-insensitive) or size pages through these keysets;
// newest/oldest use documents_owner_created_idx.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index documents_owner_name_idx on documents (owner_id, (lower(filename) collate "C"), id)`.execute(
    db,
  )
  await sql`create index documents_owner_size_idx on documents (owner_id, size_bytes, id)`.execute(
    db,
  )
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('documents_owner_size_idx').execute()
  await db.schema.dropIndex('documents_owner_name_idx').execute()
}
