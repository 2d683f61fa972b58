import { type Kysely, sql } from 'kysely'

// A document's content check is queued by the statement that makes it `uploaded` (every path:
// confirm, multipart complete, tus finish, S3 event, reconcile), not by a second round trip
// after it: one wait less per upload, and no window in which a crash leaves an uploaded
// document without its check. The job is the one @uplink/events' enqueueContentCheck makes
// (kind `check-content`, key `check-content:<id>`, payload { documentId }) plus `atTransition`:
// a purpose inspected synchronously is settled by its upload, so the worker skips those. Like
// enqueueJob it revives a dead job of the same key and leaves a queued or running one alone.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function uplink_queue_content_check() returns trigger language plpgsql as $$
    begin
      insert into jobs (kind, key, payload)
      values ('check-content', 'check-content:' || new.id, jsonb_build_object('documentId', new.id, 'atTransition', true))
      on conflict (key) do update
        set status = 'queued', attempts = 0, run_at = now(), last_error = null
        where jobs.status = 'dead';
      return null;
    end $$`.execute(db)
  await sql`
    create trigger documents_uploaded_queue_check after update of status on documents
    for each row when (old.status = 'pending' and new.status = 'uploaded')
    execute function uplink_queue_content_check()`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger documents_uploaded_queue_check on documents`.execute(db)
  await sql`drop function uplink_queue_content_check()`.execute(db)
}
