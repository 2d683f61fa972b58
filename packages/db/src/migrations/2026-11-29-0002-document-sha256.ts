import type { Kysely } from 'kysely'

// Whole-object SHA-256 (base64): `sha256` is what the content check computed from the stored
// bytes; `declared_sha256` is what the client said it sent. Both nullable: rows that predate the
// check, or uploads that declared nothing.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('documents')
    .addColumn('sha256', 'text')
    .addColumn('declared_sha256', 'text')
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('documents')
    .dropColumn('declared_sha256')
    .dropColumn('sha256')
    .execute()
}
