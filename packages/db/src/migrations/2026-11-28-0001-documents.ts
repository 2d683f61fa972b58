import { type Kysely, sql } from 'kysely'

// Millisecond timestamps round-trip exactly through JS Dates (pagination cursors rely on it).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('documents')
    .addColumn('id', 'uuid', (c) => c.primaryKey())
    .addColumn('owner_id', 'text', (c) => c.notNull())
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('object_key', 'text', (c) => c.notNull().unique())
    .addColumn('filename', 'text', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size_bytes', 'bigint', (c) => c.notNull().check(sql`size_bytes >= 0`))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .check(sql`status in ('pending','uploaded','ready','rejected','expired','deleted')`),
    )
    .addColumn('method', 'text', (c) =>
      c.notNull().check(sql`method in ('put','post','multipart','tus')`),
    )
    .addColumn('upload_ref', 'text')
    .addColumn('rejection_reason', 'text')
    .addColumn('created_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', sql`timestamptz(3)`, (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('confirmed_at', sql`timestamptz(3)`)
    .addColumn('expires_at', sql`timestamptz(3)`)
    .execute()

  // "My documents", newest first, keyset-paginated.
  await db.schema
    .createIndex('documents_owner_created_idx')
    .on('documents')
    .columns(['owner_id', 'created_at desc', 'id desc'])
    .execute()
  // Reconciliation looks for pending rows past their expiry.
  await db.schema
    .createIndex('documents_pending_expiry_idx')
    .on('documents')
    .column('expires_at')
    .where(sql.ref('status'), '=', 'pending')
    .execute()
  await db.schema
    .createIndex('documents_upload_ref_idx')
    .on('documents')
    .column('upload_ref')
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('documents').execute()
}
