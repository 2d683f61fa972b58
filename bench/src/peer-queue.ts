import pg from 'pg'

/** The name the watch's connection shows in `pg_stat_activity`. */
export const QUEUE_WATCH_APP = 'uplink-bench-queue-watch'

/**
 * Reads the server's content-check queue between two bench steps. A pool of one connection, not
 * a bare Client: a connection Postgres ends under load (57P01 `terminating connection due to
 * administrator command`, a restart) is replaced on the next read instead of ending the whole
 * bench (a pg Client with no 'error' listener throws its error on the event loop).
 */
export class QueueWatch {
  private readonly pool: pg.Pool

  constructor(
    url: string,
    private readonly say: (text: string) => void,
  ) {
    this.pool = new pg.Pool({ connectionString: url, max: 1, application_name: QUEUE_WATCH_APP })
    // An idle connection that ends: the pool drops it and connects again on the next read.
    this.pool.on('error', (err) => say(`queue watch: connection ended (${err.message})`))
  }

  /** Content checks queued or running; undefined when the read failed (ask again). */
  async pending(): Promise<number | undefined> {
    try {
      const { rows } = await this.pool.query<{ n: number }>(
        "select count(*)::int as n from jobs where status in ('queued', 'running')",
      )
      return rows[0]?.n
    } catch (err) {
      this.say(`queue watch: read failed (${(err as Error).message}); asking again`)
      return undefined
    }
  }

  /** Waits until no content check is queued or running; false when `limitMs` passed first. */
  async drained(limitMs = 300_000, pollMs = 100): Promise<boolean> {
    const until = Date.now() + limitMs
    while (Date.now() < until) {
      if ((await this.pending()) === 0) return true
      await new Promise((r) => setTimeout(r, pollMs))
    }
    return false
  }

  async end(): Promise<void> {
    await this.pool.end()
  }
}
