import { CamelCasePlugin } from 'kysely'
import pg from 'pg'
import type { Document } from './schema.ts'

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
