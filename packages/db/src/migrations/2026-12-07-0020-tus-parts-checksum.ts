import type { Kysely } from 'kysely'

// A tus part's checksum is the one its upload declared: CRC32 for uploads created from now on
// (it only has to prove the part's transfer; each document's SHA-256 is computed apart), SHA-256
// for uploads created before. The column keeps its rows; only its name changes.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tus_parts').renameColumn('sha256', 'checksum').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('tus_parts').renameColumn('checksum', 'sha256').execute()
}
