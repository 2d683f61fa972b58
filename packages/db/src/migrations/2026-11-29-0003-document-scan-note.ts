import type { Kysely } from 'kysely'

// Why a `ready` document was not scanned (e.g. "scan: skipped (over 100 MiB)"): shown to users.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('documents').addColumn('scan_note', 'text').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('documents').dropColumn('scan_note').execute()
}
