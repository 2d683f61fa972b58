import { createHash } from 'node:crypto'
import type { Logger } from '@uplink/core'
import { tusError } from '../protocol/errors.ts'
import type { LockSession } from './lock-session.ts'

/**
 * The advisory key every tus instance on one database holds on its lock session: shared by the
 * instances that lock each upload in Postgres, exclusive by the one that runs single-instance.
 */
export const INSTANCES_KEY = createHash('sha256')
  .update('uplink-tus-instances')
  .digest()
  .readBigInt64BE(0)
  .toString()

/**
 * Proves that this process's way of locking uploads fits the deployment before any upload is
 * served: a single-instance process (in-process locks only) holds the instances key
 * exclusively, so it serves nothing while any other instance runs, and no instance serves while
 * it does. One round trip the first time, and again after the lock session was lost.
 */
export class InstanceGuard {
  private held: Promise<void> | undefined

  constructor(
    private readonly session: LockSession,
    private readonly exclusive: boolean,
    private readonly log: Logger,
  ) {}

  /** Resolves once this process holds the instances key; 503 while another instance's mode forbids it. */
  ensure(): Promise<void> {
    if (this.held) return this.held
    const taking = this.session.tryLock(INSTANCES_KEY, !this.exclusive).then((unlock) => {
      if (unlock) return
      this.log.error(
        { singleInstance: this.exclusive },
        this.exclusive
          ? 'tus: another instance serves uploads on this database, but this one is configured as the only one (UPLINK_TUS_SINGLE_INSTANCE): refusing tus requests until it stops'
          : 'tus: an instance configured as the only one (UPLINK_TUS_SINGLE_INSTANCE) serves uploads on this database: refusing tus requests until it stops',
      )
      throw tusError(
        'unavailable',
        'tus uploads are unavailable on this server right now; retry in a few seconds',
      )
    })
    this.held = taking
    // Refused (or no connection): ask again on the next request.
    taking.catch(() => {
      if (this.held === taking) this.held = undefined
    })
    return taking
  }

  /** The lock session was lost, and the instances key with it. */
  lost(): void {
    this.held = undefined
  }
}
