import { createHash } from 'node:crypto'
import type { RateLimit } from '@uplink/core'
import pg from 'pg'
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
} from 'rate-limiter-flexible'

export interface RateLimitSettings {
  points: number
  durationSeconds: number
}

/** A RateLimit the server owns; `close()` ends its connections. */
export interface ClosableRateLimit extends RateLimit {
  /**
   * Connects to its store now (on Postgres: creates its table), so a bad database fails
   * start-up; otherwise the first `consume()` does it.
   */
  open(): Promise<void>
  close(): Promise<void>
}

/** The table rate-limiter-flexible creates and uses (key, points, expire). */
export const RATE_LIMIT_TABLE = 'uplink_rate_limits'

/**
 * The upload-start limit shared by every instance: rate-limiter-flexible's Postgres store on
 * `postgres://` (its own small pool), its in-memory store on PGlite (one dev process).
 * Constructs only: nothing connects before `open()` or the first `consume()`.
 */
export function createUploadRateLimit(
  databaseUrl: string,
  settings: RateLimitSettings,
  onIdleError: (err: Error) => void = () => {},
): ClosableRateLimit {
  const options = {
    keyPrefix: 'uploads',
    points: settings.points,
    duration: settings.durationSeconds,
  }
  let pool: pg.Pool | undefined
  let opening: Promise<RateLimiterAbstract> | undefined
  const connect = async (): Promise<RateLimiterAbstract> => {
    if (!/^postgres(ql)?:\/\//.test(databaseUrl)) return new RateLimiterMemory(options)
    const store = new pg.Pool({
      connectionString: databaseUrl,
      max: 4,
      connectionTimeoutMillis: 5_000,
    })
    pool = store
    // Without a listener an idle connection's error would end the process (see createDb).
    store.on('error', onIdleError)
    // A checked-out connection's error reaches its query; this keeps it from ending the process.
    store.on('connect', (client) => client.on('error', () => {}))
    const create = () =>
      new Promise<RateLimiterAbstract>((resolve, reject) => {
        const created: RateLimiterPostgres = new RateLimiterPostgres(
          { ...options, storeClient: store, tableName: RATE_LIMIT_TABLE },
          (err?: Error) => (err ? reject(err) : resolve(created)),
        )
      })
    try {
      // Instances starting together on a fresh database race in CREATE TABLE IF NOT EXISTS:
      // the loser gets a duplicate error although the table now exists; asking again is enough.
      return await create().catch((err: unknown) => {
        if (isCreateRace(err)) return create()
        throw err
      })
    } catch (err) {
      pool = undefined
      await store.end()
      throw err
    }
  }
  // One connection attempt at a time; a failed one is retried by the next caller.
  const limiter = () => {
    opening ??= connect().catch((err: unknown) => {
      opening = undefined
      throw err
    })
    return opening
  }
  return {
    description: `${settings.points} upload starts per ${settings.durationSeconds} s (UPLINK_RATE_LIMIT_UPLOADS)`,
    async open() {
      await limiter()
    },
    async consume(key) {
      try {
        await (await limiter()).consume(storeKey(key))
        return undefined
      } catch (err) {
        // The library rejects with a RateLimiterRes when the limit is reached, an Error otherwise.
        if (err instanceof RateLimiterRes) {
          return { retryAfterSeconds: Math.max(1, Math.ceil(err.msBeforeNext / 1000)) }
        }
        throw err
      }
    },
    async close() {
      await opening?.catch(() => undefined)
      await pool?.end()
    },
  }
}

/** Keys are varchar(255) in the store: long user ids are hashed. */
function storeKey(userId: string): string {
  return userId.length <= 200 ? userId : createHash('sha256').update(userId).digest('hex')
}

/** Postgres codes of a concurrent CREATE TABLE IF NOT EXISTS: its row type or table exists. */
const CREATE_RACE_CODES = new Set(['23505', '42P07', '42710'])
const isCreateRace = (err: unknown) =>
  CREATE_RACE_CODES.has((err as { code?: unknown } | null)?.code as string)
