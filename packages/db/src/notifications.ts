import type { Kysely } from 'kysely'
import pg from 'pg'
import { poolOf } from './create-db.ts'

/** The channel a worker listens on: a row of `jobs` became `queued` (migration jobs-notify). */
export const JOBS_CHANNEL = 'uplink_jobs'

export interface NotificationListener {
  /** True while LISTEN is in place (false before, and between a lost connection and its return). */
  readonly listening: boolean
  /** Resolves once the first attempt to listen has succeeded or failed. */
  readonly ready: Promise<void>
  close(): Promise<void>
}

export interface ListenOptions {
  /** Told each notification, and once each time LISTEN is (re)established (missed ones). */
  onNotify: () => void
  /** Told when the connection fails; it is tried again after `retryMs`. */
  onError?: (err: Error) => void
  /** Wait before reconnecting (default 1 s). */
  retryMs?: number
}

/**
 * LISTENs on `channel` over a dedicated connection made with the settings of `db`'s pool
 * (outside it: a listener holds its connection for good). Undefined for PGlite, which has no
 * other process to hear from. A lost connection is made again after `retryMs`.
 */
export function listenForNotifications(
  // biome-ignore lint/suspicious/noExplicitAny: any schema's Kysely.
  db: Kysely<any>,
  channel: string,
  options: ListenOptions,
): NotificationListener | undefined {
  const pool = poolOf(db)
  if (!pool) return undefined
  const retryMs = options.retryMs ?? 1000
  let client: pg.Client | undefined
  let listening = false
  let closed = false
  let retry: NodeJS.Timeout | undefined

  const lost = (from: pg.Client, err: Error) => {
    if (client !== from) return
    client = undefined
    listening = false
    void from.end().catch(() => {})
    if (closed) return
    options.onError?.(err)
    retry = setTimeout(() => void connect(), retryMs)
    retry.unref()
  }

  const connect = async () => {
    const c = new pg.Client(pool.options)
    client = c
    c.on('notification', (msg) => {
      if (msg.channel === channel) options.onNotify()
    })
    // Without an 'error' listener a lost connection would end the process.
    c.on('error', (err) => lost(c, err))
    c.on('end', () => lost(c, new Error('the LISTEN connection ended')))
    try {
      await c.connect()
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`)
      if (closed || client !== c) return
      listening = true
      // Whatever was queued while nobody listened.
      options.onNotify()
    } catch (err) {
      lost(c, err as Error)
    }
  }

  const ready = connect()
  return {
    get listening() {
      return listening
    },
    ready,
    async close() {
      closed = true
      clearTimeout(retry)
      const c = client
      client = undefined
      listening = false
      await c?.end().catch(() => {})
    },
  }
}
