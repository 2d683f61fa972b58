import type pg from 'pg'
import type { Document, NewDocument } from './schema.ts'

/** Columns of a pending row, in statement order: the ones every caller names... */
const REQUIRED = [
  'id',
  'ownerId',
  'purpose',
  'objectKey',
  'filename',
  'contentType',
  'sizeBytes',
  'status',
  'method',
] as const
/** ...and the nullable ones without a default, null when a row leaves them out. */
const OPTIONAL = ['uploadRef', 'expiresAt', 'declaredSha256'] as const
const COLUMNS = [...REQUIRED, ...OPTIONAL]
const NAMED = new Set<string>(COLUMNS)

/** Statements of up to this many rows are prepared (named); a larger batch is parsed each time. */
const MAX_PREPARED_ROWS = 64

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
const COLUMN_LIST = COLUMNS.map(snake).join(', ')
const texts = new Map<number, string>()

/** `INSERT … VALUES ($1…$12), ($13…) RETURNING *` for `rows` rows, built once per count. */
function statementText(rows: number): string {
  let text = texts.get(rows)
  if (text) return text
  const tuples = Array.from(
    { length: rows },
    (_, r) => `(${COLUMNS.map((_, c) => `$${r * COLUMNS.length + c + 1}`).join(', ')})`,
  )
  text = `insert into documents (${COLUMN_LIST}) values ${tuples.join(', ')} returning *`
  if (rows <= MAX_PREPARED_ROWS) texts.set(rows, text)
  return text
}

/** True when every row names only the columns the prepared statement has, and all required ones. */
export function fitsPreparedInsert(rows: readonly NewDocument[]): boolean {
  return rows.every((row) => {
    for (const key of Object.keys(row)) if (!NAMED.has(key)) return false
    for (const key of REQUIRED)
      if ((row as Record<string, unknown>)[key] === undefined) return false
    return true
  })
}

/**
 * Inserts pending rows with one statement that Postgres parses and plans once per connection
 * (pg's named statements), not once per call as Kysely's unnamed ones: the same SQL, values and
 * type parsers, and the rows mapped to camelCase as Kysely's CamelCasePlugin does.
 */
export async function preparedInsert(
  pool: pg.Pool,
  rows: readonly NewDocument[],
): Promise<Document[]> {
  const values: unknown[] = []
  for (const row of rows) {
    const r = row as Record<string, unknown>
    for (const key of COLUMNS) values.push(r[key] ?? null)
  }
  const result = await pool.query({
    ...(rows.length <= MAX_PREPARED_ROWS ? { name: `uplink_insert_documents_${rows.length}` } : {}),
    text: statementText(rows.length),
    values,
  })
  return result.rows.map(toCamelCase) as Document[]
}

const camelKeys = new Map<string, string>()

/** `owner_id` → `ownerId`, `declared_sha256` → `declaredSha256` (CamelCasePlugin's rule). */
function camel(key: string): string {
  let out = camelKeys.get(key)
  if (out === undefined) {
    out = key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase())
    camelKeys.set(key, out)
  }
  return out
}

function toCamelCase(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key in row) out[camel(key)] = row[key]
  return out
}
