import { type Kysely, sql } from 'kysely'

// Workers wake when a job is queued instead of at their next poll: every row that becomes
// `queued` notifies `uplink_jobs` (JOBS_CHANNEL) inside the statement that queued it, so no
// enqueuer pays a round trip for it, whichever process or path queued the job. Postgres
// delivers the notification at commit and folds repeats within one transaction into one.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function uplink_jobs_notify() returns trigger language plpgsql as $$
    begin
      perform pg_notify('uplink_jobs', '');
      return null;
    end $$`.execute(db)
  await sql`
    create trigger jobs_queued_notify after insert or update of status on jobs
    for each row when (new.status = 'queued')
    execute function uplink_jobs_notify()`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger jobs_queued_notify on jobs`.execute(db)
  await sql`drop function uplink_jobs_notify()`.execute(db)
}
