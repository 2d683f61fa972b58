import { type Kysely, sql } from 'kysely'

// A tus part's checksum is the one its upload declared: CRC32 for uploads created from now on
// (it only has to prove the part's transfer; each document's SHA-256 is computed apart), SHA-256
// for uploads created before. Added beside `sha256` rather than renaming it, so instances of the
// previous release keep working during a rolling deploy: they still read and write `sha256`
// (`null` in rows this release writes, which they take as an unverified part and send again);
// this release reads `checksum`, else `sha256`. A later release drops `sha256`.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tus_parts').addColumn('checksum', 'text').execute()
  await sql`UPDATE tus_parts SET checksum = sha256`.execute(db)
  await db.schema
    .alterTable('tus_parts')
    .alterColumn('sha256', (c) => c.dropNotNull())
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  // Rows written since keep their checksum in the old column (a CRC32 there fails the old
  // release's SHA-256 comparison, so such a part is sent again: never counted wrongly).
  await sql`UPDATE tus_parts SET sha256 = coalesce(sha256, checksum)`.execute(db)
  await db.schema
    .alterTable('tus_parts')
    .alterColumn('sha256', (c) => c.setNotNull())
    .execute()
  await db.schema.alterTable('tus_parts').dropColumn('checksum').execute()
}
