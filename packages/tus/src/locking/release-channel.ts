import type { Logger } from '@uplink/core'
import pg from 'pg'

/** The Postgres channel on which instances ask each other to release a tus upload's lock. */
export const RELEASE_CHANNEL = 'uplink_tus_release'

/**
 * Cross-instance lock release over Postgres LISTEN/NOTIFY: an instance whose PATCH waits for an
 * upload locked elsewhere asks the holder to let go, as tus' `requestRelease` does in-process
 * (a client reconnecting through a load balancer must not wait for its own stale request).
 * One dedicated connection per process; it reconnects on the next use after an error.
 */
export class ReleaseChannel {
  private client: Promise<pg.Client> | undefined
  private closed = false

  constructor(
    private readonly connectionString: string,
    private readonly onRequest: (uploadId: string) => void,
    private readonly log: Logger,
  ) {}

  /** Starts listening (idempotent); resolves once LISTEN is in place. */
  async listen(): Promise<void> {
    await this.connect()
  }

  /** Asks whichever instance holds `uploadId` to release it. */
  async request(uploadId: string): Promise<void> {
    const client = await this.connect()
    await client.query('select pg_notify($1, $2)', [RELEASE_CHANNEL, uploadId])
  }

  async close(): Promise<void> {
    this.closed = true
    const client = await this.client?.catch(() => undefined)
    this.client = undefined
    await client?.end().catch(() => {})
  }

  private connect(): Promise<pg.Client> {
    if (this.closed) return Promise.reject(new Error('the release channel is closed'))
    if (this.client) return this.client
    let connecting: Promise<pg.Client> | undefined
    connecting = (async () => {
      const client = new pg.Client({ connectionString: this.connectionString })
      let ownPid: number | undefined
      client.on('notification', (msg) => {
        // Postgres hands a NOTIFY back to the sender when it listens too: our own waiter asked
        // another instance, never us (a holder in this process is asked by LocalLocks). Taken
        // as a request, it stopped this process's own waiting or writing request for the upload.
        if (msg.processId === ownPid) return
        if (msg.channel === RELEASE_CHANNEL && msg.payload) this.onRequest(msg.payload)
      })
      // Without this listener a lost connection (Postgres stopped) would end the process.
      client.on('error', (err) => {
        this.log.warn({ err }, 'tus release channel lost its connection; reconnecting on next use')
        if (this.client === connecting) this.client = undefined
        void client.end().catch(() => {})
      })
      try {
        await client.connect()
        const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid')
        ownPid = rows[0]?.pid
        await client.query(`LISTEN ${RELEASE_CHANNEL}`)
        return client
      } catch (err) {
        if (this.client === connecting) this.client = undefined
        await client.end().catch(() => {})
        throw err
      }
    })()
    this.client = connecting
    return connecting
  }
}
