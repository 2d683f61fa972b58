import type { Kysely } from 'kysely'

// What ffprobe found in a `video` document, and the key of the poster JPEG derived from it.
// Plain columns rather than jsonb: typed without a JSON round trip on pg and PGlite alike.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('documents')
    .addColumn('video_duration_seconds', 'double precision')
    .addColumn('video_width', 'integer')
    .addColumn('video_height', 'integer')
    .addColumn('video_codec', 'text')
    .addColumn('video_audio_codec', 'text')
    .addColumn('video_bitrate', 'bigint')
    .addColumn('poster_key', 'text')
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('documents')
    .dropColumn('video_duration_seconds')
    .dropColumn('video_width')
    .dropColumn('video_height')
    .dropColumn('video_codec')
    .dropColumn('video_audio_codec')
    .dropColumn('video_bitrate')
    .dropColumn('poster_key')
    .execute()
}
