import { AppError, type DocumentStatus, hasNul } from '@uplink/core'
import { type Kysely, sql } from 'kysely'
import type { Database, Document } from './schema.ts'

type Db = Kysely<Database>

export interface Page<T> {
  items: T[]
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null
}

/** Orders of "My documents": newest/oldest by creation, name A–Z (case-insensitive), largest first. */
export const DOCUMENT_SORTS = ['newest', 'oldest', 'name', 'size'] as const
export type DocumentSort = (typeof DOCUMENT_SORTS)[number]

export interface ListDocumentsOptions {
  cursor?: string | null
  limit: number
  /** Default `newest`. A cursor continues only the sort it was issued for. */
  sort?: DocumentSort | undefined
  /** Only documents whose name contains this, case-insensitive. */
  search?: string | null | undefined
  /** Only documents in this state (deleted ones are never listed). */
  status?: Exclude<DocumentStatus, 'deleted'> | null | undefined
}

type Key = string | number | Date
interface SortSpec {
  direction: 'asc' | 'desc'
  /** The sort key as SQL, and the same key of a row as the database computed it. */
  column: ReturnType<typeof sql<Key>>
  /** Validates a key read back from a cursor. */
  valid(key: unknown): key is Key
}

const isTime = (key: unknown): key is string =>
  typeof key === 'string' &&
  Number.isFinite(Date.parse(key)) &&
  Date.parse(key) >= Date.UTC(2000, 0, 1) &&
  Date.parse(key) < Date.UTC(10000, 0, 1)

const SORTS: Record<DocumentSort, SortSpec> = {
  newest: { direction: 'desc', column: sql<Key>`created_at`, valid: isTime },
  oldest: { direction: 'asc', column: sql<Key>`created_at`, valid: isTime },
  name: {
    direction: 'asc',
    // Byte order of the lower-cased name: the same on every server, whatever its locale.
    column: sql<Key>`lower(filename) collate "C"`,
    // A forged key with U+0000 would be a Postgres error (500), not a page.
    valid: (key): key is string => typeof key === 'string' && key.length <= 1000 && !hasNul(key),
  },
  size: {
    direction: 'desc',
    column: sql<Key>`size_bytes`,
    valid: (key): key is number => Number.isSafeInteger(key) && (key as number) >= 0,
  },
}

/** `%`, `_` and `\` match themselves in a search, not as LIKE wildcards. */
const likePattern = (search: string) => `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`

/**
 * The owner's documents, excluding deleted ones, in `sort` order with `id` breaking ties;
 * keyset pagination whose cursor holds the sort, the last row's sort key and its id, so every
 * document appears exactly once across pages whichever order is chosen.
 */
export async function listDocumentsForOwner(
  db: Db,
  ownerId: string,
  options: ListDocumentsOptions,
): Promise<Page<Document>> {
  const sort = options.sort ?? 'newest'
  const spec = SORTS[sort]
  const op = spec.direction === 'desc' ? '<' : '>'
  let query = db
    .selectFrom('documents')
    .selectAll()
    .select(spec.column.as('sortKey'))
    .where('ownerId', '=', ownerId)
    .where('status', '!=', 'deleted')
    .orderBy(spec.column, spec.direction)
    .orderBy('id', spec.direction)
    .limit(options.limit + 1)
  if (options.status) query = query.where('status', '=', options.status)
  const search = options.search?.trim()
  if (search) query = query.where(sql<boolean>`filename ilike ${likePattern(search)} escape '\\'`)
  if (options.cursor) {
    const { key, id } = decodeCursor(options.cursor, sort)
    const value = sort === 'newest' || sort === 'oldest' ? new Date(key) : key
    query = query.where((eb) =>
      eb.or([eb(spec.column, op, value), eb.and([eb(spec.column, '=', value), eb('id', op, id)])]),
    )
  }
  const rows = await query.execute()
  const page = rows.slice(0, options.limit)
  const last = page.at(-1)
  return {
    items: page.map(({ sortKey: _key, ...doc }) => doc),
    nextCursor:
      rows.length > options.limit && last ? encodeCursor(sort, last.sortKey, last.id) : null,
  }
}

/** A `cursor` this server never issued (catalogue `bad_input`). */
export class InvalidCursorError extends AppError {
  override readonly name = 'InvalidCursorError'
  constructor(message: string) {
    super('bad_input', message)
  }
}

function encodeCursor(sort: DocumentSort, key: Key, id: string): string {
  const value = key instanceof Date ? key.toISOString() : key
  return Buffer.from(JSON.stringify([sort, value, id])).toString('base64url')
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Checked fully here, so a forged cursor is a 400, never a Postgres type error (500). */
function decodeCursor(cursor: string, sort: DocumentSort): { key: Key; id: string } {
  let decoded: unknown
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
  } catch {
    decoded = undefined
  }
  // Cursors issued before sorting existed: [createdAt, id], newest first.
  if (Array.isArray(decoded) && decoded.length === 2) decoded = ['newest', ...decoded]
  if (Array.isArray(decoded) && decoded.length === 3) {
    const [from, key, id] = decoded as unknown[]
    if (from !== sort && typeof from === 'string' && from in SORTS) {
      throw new InvalidCursorError(
        `cursor continues the "${from}" order, not "${sort}"; omit the cursor when changing the sort`,
      )
    }
    if (from === sort && SORTS[sort].valid(key) && typeof id === 'string' && UUID.test(id)) {
      return { key, id }
    }
  }
  throw new InvalidCursorError(
    'cursor is not one this API returned; pass back nextCursor unchanged, or omit it for the first page',
  )
}
