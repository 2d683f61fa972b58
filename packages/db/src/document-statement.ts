import { CamelCasePlugin } from 'kysely'
import pg from 'pg'
import type { Document, DocumentTable } from './schema.ts'

/** Every column this release knows, in SQL (snake_case). */
const COLUMNS = [
  'id',
  'ownerId',
  'purpose',
  'objectKey',
  'filename',
  'contentType',
  'sizeBytes',
  'status',
  'method',
  'uploadRef',
  'rejectionReason',
  'createdAt',
  'updatedAt',
  'confirmedAt',
  'expiresAt',
  'sha256',
  'streamRejection',
  'scanNote',
  'declaredSha256',
  'videoDurationSeconds',
  'videoWidth',
  'videoHeight',
  'videoCodec',
  'videoAudioCodec',
  'videoBitrate',
  'posterKey',
] as const satisfies readonly (keyof DocumentTable)[]
// A column added to DocumentTable but not above fails to compile here.
const everyColumn: Exclude<keyof DocumentTable, (typeof COLUMNS)[number]> extends never
  ? true
  : never = true
void everyColumn

/**
 * The columns a prepared statement selects or returns, named, never `*`: a named statement's
 * plan is cached per connection, and Postgres refuses to run it once its result type changed
 * ("cached plan must not change result type"), as it would when a newer release's additive
 * migration adds a column while this one still serves (a rolling deploy).
 */
export const DOCUMENT_COLUMN_LIST = COLUMNS.map((c) =>
  c.replace(/[A-Z]/g, (m) => `_${m.toLowerCase()}`),
).join(', ')

/**
 * The statement `findDocumentByKey` runs, with the key as a literal: for a connection that sends
 * it beside other statements in one round trip (the tus lock session), where no parameters go.
 */
export function documentByKeyStatement(objectKey: string): string {
  return `select * from documents where object_key = ${pg.escapeLiteral(objectKey)}`
}

// The same snake_case → camelCase mapping Kysely applies to every other query (createDb).
const camel = new (class extends CamelCasePlugin {
  key(name: string): string {
    return this.camelCase(name)
  }
})()

/** A `documents` row as Postgres returned it (pg's type parsers applied), as a Document. */
export function documentFromRow(row: Record<string, unknown>): Document {
  const doc: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(row)) doc[camel.key(name)] = value
  return doc as Document
}
