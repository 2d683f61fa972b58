import { type Kysely, sql } from 'kysely'

// The tus store's ledger of parts it sent and S3 acknowledged with a matching checksum. A resume
// counts only parts found here, so a part a store kept after a cut-short body never counts.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('tus_parts')
    .addColumn('upload_id', 'text', (c) => c.notNull())
    // 0 is the incomplete part (the `.part` object), 1..10,000 the multipart upload's parts.
    .addColumn('part_number', 'integer', (c) => c.notNull())
    .addColumn('size', 'bigint', (c) => c.notNull())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('etag', 'text', (c) => c.notNull())
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('tus_parts_pkey', ['upload_id', 'part_number'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('tus_parts').execute()
}
