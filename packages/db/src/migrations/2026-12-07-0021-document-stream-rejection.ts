import type { Kysely } from 'kysely'

// Why the bytes of a tus upload failed its content check as they streamed in (wrong type, a
// digest other than the declared one), recorded with `uploaded`: the worker then rejects the
// document with this reason without reading the object back. Null otherwise.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('documents').addColumn('stream_rejection', 'text').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('documents').dropColumn('stream_rejection').execute()
}
