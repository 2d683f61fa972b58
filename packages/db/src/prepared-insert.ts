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

/**
 * `INSERT … VALUES ($1…$12), ($13…) RETURNING id, created_at` for `rows` rows, built once per
 * count. Only what Postgres decides comes back; the rest of the row is what was sent.
 * `updated_at` is not asked for: both columns default to `now()`, "the start time of the current
 * transaction", so a new row's two are the same value.
 */
function statementText(rows: number): string {
  let text = texts.get(rows)
  if (text) return text
  const tuples = Array.from(
    { length: rows },
    (_, r) => `(${COLUMNS.map((_, c) => `$${r * COLUMNS.length + c + 1}`).join(', ')})`,
  )
  text = `insert into documents (${COLUMN_LIST}) values ${tuples.join(', ')} returning id, created_at`
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
 * (pg's named statements), not once per call as Kysely's unnamed ones. Each row comes back as
 * the Document a read would give: the values sent, the column defaults (null) and the
 * timestamps Postgres set (`packages/db/test/insert-batcher.int.test.ts` compares them).
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
  const result = await pool.query<Stored>({
    ...(rows.length <= MAX_PREPARED_ROWS ? { name: `uplink_insert_documents_${rows.length}` } : {}),
    text: statementText(rows.length),
    values,
  })
  const sent = new Map(rows.map((row) => [row.id as string, row]))
  return result.rows.map((stored) => toDocument(sent.get(stored.id)!, stored))
}

interface Stored {
  id: string
  created_at: Date
}

function toDocument(row: NewDocument, stored: Stored): Document {
  return {
    id: stored.id,
    ownerId: row.ownerId,
    purpose: row.purpose,
    objectKey: row.objectKey,
    filename: row.filename,
    contentType: row.contentType,
    sizeBytes: row.sizeBytes,
    status: row.status,
    method: row.method,
    uploadRef: row.uploadRef ?? null,
    rejectionReason: null,
    createdAt: stored.created_at,
    updatedAt: stored.created_at,
    confirmedAt: null,
    expiresAt: row.expiresAt ?? null,
    sha256: null,
    streamRejection: null,
    scanNote: null,
    declaredSha256: row.declaredSha256 ?? null,
    videoDurationSeconds: null,
    videoWidth: null,
    videoHeight: null,
    videoCodec: null,
    videoAudioCodec: null,
    videoBitrate: null,
    posterKey: null,
  } satisfies Document
}
