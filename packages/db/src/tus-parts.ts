import { type Kysely, sql } from 'kysely'
import pg from 'pg'
import type { Database } from './schema.ts'

type Db = Kysely<Database>

/** A part as the tus store wrote it: what a resume compares S3's listing against. */
export interface LedgerPart {
  partNumber: number
  size: number
  /** Base64 checksum of the bytes sent, in the upload's algorithm (CRC32, or SHA-256). */
  checksum: string
  etag: string
}

/** Records (or replaces) a part S3 acknowledged for `uploadId`. */
export async function recordTusPart(db: Db, uploadId: string, part: LedgerPart): Promise<void> {
  await db
    .insertInto('tusParts')
    .values({ uploadId, ...part, sha256: null })
    .onConflict((oc) =>
      oc.columns(['uploadId', 'partNumber']).doUpdateSet({
        size: part.size,
        checksum: part.checksum,
        sha256: null,
        etag: part.etag,
      }),
    )
    .execute()
}

/** Every recorded part of an upload, by part number. */
export async function listTusParts(db: Db, uploadId: string): Promise<Map<number, LedgerPart>> {
  const rows = await db
    .selectFrom('tusParts')
    .select([
      'partNumber',
      'size',
      // A row the previous release wrote during a rolling deploy has only `sha256`.
      sql<string>`coalesce(checksum, sha256)`.as('checksum'),
      'etag',
    ])
    .where('uploadId', '=', uploadId)
    .execute()
  return new Map(rows.map((r) => [r.partNumber, { ...r, size: Number(r.size) }]))
}

/**
 * The statement `listTusParts` runs, with the id as a literal: for a connection that sends it
 * beside other statements in one round trip (the tus lock session); `tusPartsFromRows` reads it.
 */
export function tusPartsStatement(uploadId: string): string {
  return `select part_number, size, coalesce(checksum, sha256) as checksum, etag from tus_parts where upload_id = ${pg.escapeLiteral(uploadId)}`
}

/** The rows of `tusPartsStatement`, as `listTusParts` answers them. */
export function tusPartsFromRows(rows: unknown[]): Map<number, LedgerPart> {
  return new Map(
    (rows as { part_number: number; size: number; checksum: string; etag: string }[]).map((r) => [
      r.part_number,
      { partNumber: r.part_number, size: Number(r.size), checksum: r.checksum, etag: r.etag },
    ]),
  )
}

/** Forgets one part (`partNumber`) or all parts of an upload. */
export async function forgetTusParts(db: Db, uploadId: string, partNumber?: number): Promise<void> {
  let q = db.deleteFrom('tusParts').where('uploadId', '=', uploadId)
  if (partNumber !== undefined) q = q.where('partNumber', '=', partNumber)
  await q.execute()
}
