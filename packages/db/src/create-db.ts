import { CamelCasePlugin, Kysely, PGliteDialect, PostgresDialect } from 'kysely'
import pg from 'pg'
import { openPglite } from './pglite.ts'
import type { Database } from './schema.ts'

export interface DbConfig {
  /** `postgres://…` for a pg Pool, `pglite:<dir>` for embedded file-backed PGlite, `pglite:memory`. */
  url: string
  /** Pool size for Postgres (ignored for PGlite). */
  maxConnections?: number
  /** How long a query waits for a free pool connection before failing (default 10 s). */
  connectionTimeoutMs?: number
  /** Told about errors of idle connections (Postgres restarted or unreachable). */
  onIdleError?: (err: Error) => void
}

const INT8 = 20
/** Sizes fit in a JS number (< 2^53); parse bigint columns as numbers, not strings. */
const parseInt8 = (value: string) => Number(value)

export interface PoolStats {
  /** Connections open (idle or checked out). */
  total: number
  idle: number
  /** Queries waiting for a free connection. */
  waiting: number
}

// biome-ignore lint/suspicious/noExplicitAny: any schema's Kysely maps to its pool.
const pools = new WeakMap<Kysely<any>, pg.Pool>()

const ignoreCheckedOutError = () => {}

/** The pg pool behind a `createDb` instance; undefined for PGlite. */
// biome-ignore lint/suspicious/noExplicitAny: see pools
export function poolOf(db: Kysely<any>): pg.Pool | undefined {
  return pools.get(db)
}

/** The pg pool's counters behind a `createDb` instance; undefined for PGlite (no pool). */
// biome-ignore lint/suspicious/noExplicitAny: see pools
export function poolStats(db: Kysely<any>): PoolStats | undefined {
  const pool = pools.get(db)
  return pool && { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }
}

/** One Kysely instance per process; call `db.destroy()` on shutdown. */
export function createDb(config: DbConfig): Kysely<Database> {
  const plugins = [new CamelCasePlugin()]
  if (config.url.startsWith('pglite:')) {
    const where = config.url.slice('pglite:'.length)
    const pglite = () => openPglite(where, { parsers: { [INT8]: parseInt8 } })
    return new Kysely<Database>({ dialect: new PGliteDialect({ pglite }), plugins })
  }
  if (!/^postgres(ql)?:\/\//.test(config.url)) {
    throw new Error('database url must start with postgres://, postgresql:// or pglite:')
  }
  const pool = new pg.Pool({
    connectionString: config.url,
    max: config.maxConnections ?? 10,
    // A query waits this long for a connection, then fails (503) instead of hanging.
    connectionTimeoutMillis: config.connectionTimeoutMs ?? 10_000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8
          ? parseInt8
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  })
  // pg: "the pool will emit an error … when an idle client … experiences an error"; without a
  // listener that 'error' event kills the process when Postgres goes away. The pool drops the
  // client; the next query connects again.
  pool.on('error', (err) => config.onIdleError?.(err))
  // A checked-out client emits 'error' too (between a transaction's statements, or pinned by
  // pinConnection), and the pool listens only while it is idle: this listener keeps such an
  // error from ending the process. The client's next query fails and the pool drops it.
  pool.on('connect', (client) => client.on('error', ignoreCheckedOutError))
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins })
  pools.set(db, pool)
  return db
}
