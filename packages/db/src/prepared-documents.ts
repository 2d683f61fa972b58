import type pg from 'pg'
import { documentFromRow } from './document-statement.ts'
import type { Document } from './schema.ts'

/** Distinct transition shapes given a name (prepared once per connection); others are parsed each time. */
const MAX_NAMED = 64

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
const names = new Map<string, string>()

/** pg's name for `text`: the same text always gets the same name, up to MAX_NAMED texts. */
function nameOf(text: string): string | undefined {
  let name = names.get(text)
  if (!name && names.size < MAX_NAMED) {
    name = `uplink_documents_${names.size}`
    names.set(text, name)
  }
  return name
}

/** A value pg sends as one parameter exactly as Kysely would (no SQL expression, no object). */
function plainValue(value: unknown): boolean {
  return (
    value === null ||
    value instanceof Date ||
    ['string', 'number', 'boolean', 'bigint'].includes(typeof value)
  )
}

/**
 * `findDocumentById`'s statement, prepared: Postgres parses and plans it once per connection and
 * Kysely compiles nothing (the hot read of every finish and content check).
 */
export async function preparedFindById(pool: pg.Pool, id: string): Promise<Document | undefined> {
  const text = 'select * from documents where id = $1'
  const { rows } = await pool.query({ name: nameOf(text), text, values: [id] })
  return rows[0] ? documentFromRow(rows[0]) : undefined
}

/** What `transitionDocument` writes: the columns set (camelCase) and the row it may move. */
export interface PreparedTransition {
  id: string
  set: Record<string, unknown>
  /** States the row may move from (never empty). */
  allowed: readonly string[]
  ownerId?: string | undefined
}

/**
 * `transitionDocument`'s update, prepared, the same statement Kysely builds (`update … set …
 * where id and [owner_id] and status in (…) returning *`); undefined when `set` holds a value
 * Kysely would render otherwise (the caller lets Kysely run it). Resolves `{ row }`, row
 * undefined when no row moved.
 */
export async function preparedTransition(
  pool: pg.Pool,
  t: PreparedTransition,
): Promise<{ row: Document | undefined } | undefined> {
  // Kysely leaves out a column whose value is undefined.
  const entries = Object.entries(t.set).filter(([, v]) => v !== undefined)
  if (!entries.every(([, v]) => plainValue(v))) return undefined
  const values: unknown[] = entries.map(([, v]) => v)
  const sets = entries.map(([k], i) => `${snake(k)} = $${i + 1}`)
  values.push(t.id)
  let where = `id = $${values.length}`
  if (t.ownerId) {
    values.push(t.ownerId)
    where += ` and owner_id = $${values.length}`
  }
  const statuses = t.allowed.map((s) => {
    values.push(s)
    return `$${values.length}`
  })
  const text = `update documents set ${sets.join(', ')} where ${where} and status in (${statuses.join(', ')}) returning *`
  const { rows } = await pool.query({ name: nameOf(text), text, values })
  return { row: rows[0] ? documentFromRow(rows[0]) : undefined }
}
