import { type Kysely, sql } from 'kysely'

// Starting an upload under quotas in ONE round trip: the per-owner lock is held only while
// Postgres counts and inserts, never across client round trips (a busy server's event loop
// used to stretch it to several turns and serialise one user's starts).
//
// uplink_upload_usage is the one definition of "what an owner holds now" (index
// documents_owner_usage_idx): unexpired pending uploads (all, and multipart/tus), their
// declared bytes, and the stored bytes of one purpose.
//
// uplink_insert_pending_document takes the per-owner advisory lock when a quota that counts
// pending rows is on, counts, and inserts the pending row only if no quota refuses it (0 = off;
// the same four comparisons as core's checkQuotas, and a test proves they agree). It answers the
// usage it counted and the row, or a null row when refused, so core still writes the refusal.
// It must stay VOLATILE plpgsql: in READ COMMITTED each of its statements takes a fresh
// snapshot, so the count, taken after the lock is granted, sees every start that held the lock
// before; one plain statement (a CTE) would count from a snapshot taken before its lock.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function uplink_upload_usage(p_owner_id text, p_purpose text)
    returns table (pending_uploads int, unfinished_uploads int, bytes_in_flight int8, stored_bytes int8)
    language sql stable as $$
      select
        count(*) filter (where d.pending)::int,
        count(*) filter (where d.pending and d.method in ('multipart', 'tus'))::int,
        coalesce(sum(d.size_bytes) filter (where d.pending), 0)::int8,
        coalesce(sum(d.size_bytes) filter (where d.status in ('uploaded', 'ready') and d.purpose = p_purpose), 0)::int8
      from (
        select status, method, purpose, size_bytes,
          status = 'pending' and (expires_at is null or expires_at > now()) as pending
        from documents
        where owner_id = p_owner_id and status in ('pending', 'uploaded', 'ready')
      ) d
    $$`.execute(db)

  await sql`
    create function uplink_insert_pending_document(
      p_id uuid, p_owner_id text, p_purpose text, p_object_key text, p_filename text,
      p_content_type text, p_size_bytes int8, p_method text, p_upload_ref text,
      p_expires_at timestamptz, p_declared_sha256 text,
      max_pending_uploads int8, max_unfinished_uploads int8, max_bytes_in_flight int8,
      max_stored_bytes_per_purpose int8)
    returns table (document documents, usage_pending_uploads int, usage_unfinished_uploads int,
      usage_bytes_in_flight int8, usage_stored_bytes int8)
    language plpgsql volatile as $$
    declare
      u record;
      d documents;
    begin
      -- Only quotas that count pending rows race with other starts (stored bytes grow at
      -- confirm). The key is the one used before this function, so old and new servers agree.
      if max_pending_uploads > 0 or max_unfinished_uploads > 0 or max_bytes_in_flight > 0 then
        perform pg_advisory_xact_lock(hashtextextended('uplink-quota:' || p_owner_id, 0));
      end if;
      select * into u from uplink_upload_usage(p_owner_id, p_purpose);
      if not (
        (max_pending_uploads > 0 and u.pending_uploads >= max_pending_uploads)
        or (max_unfinished_uploads > 0 and p_method in ('multipart', 'tus')
            and u.unfinished_uploads >= max_unfinished_uploads)
        or (max_bytes_in_flight > 0 and u.bytes_in_flight + p_size_bytes > max_bytes_in_flight)
        or (max_stored_bytes_per_purpose > 0
            and u.stored_bytes + p_size_bytes > max_stored_bytes_per_purpose)
      ) then
        insert into documents (id, owner_id, purpose, object_key, filename, content_type,
          size_bytes, status, method, upload_ref, expires_at, declared_sha256)
        values (p_id, p_owner_id, p_purpose, p_object_key, p_filename, p_content_type,
          p_size_bytes, 'pending', p_method, p_upload_ref, p_expires_at, p_declared_sha256)
        returning * into d;
      end if;
      return query select d, u.pending_uploads, u.unfinished_uploads, u.bytes_in_flight,
        u.stored_bytes;
    end
    $$`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function uplink_insert_pending_document`.execute(db)
  await sql`drop function uplink_upload_usage`.execute(db)
}
