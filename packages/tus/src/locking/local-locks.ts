import type { RequestRelease } from '@tus/utils'
import { ERRORS } from '@tus/utils'
import { tusError } from '../protocol/errors.ts'

/** Lock acquisition ran out of time: the client may retry (tus-js-client retries 423). */
export function lockTimeout(ms: number) {
  return tusError(
    'upload_locked',
    `another request is still working on this upload (waited ${ms} ms for it); retry shortly`,
  )
}

/**
 * Resolves when `done` settles; throws the lock timeout at `deadline` and ERRORS.ABORTED when
 * `signal` aborts. Leaves no timer or listener behind.
 */
export async function waitUntil(
  done: Promise<unknown>,
  signal: AbortSignal,
  deadline: number,
  timeoutMs: number,
): Promise<void> {
  if (signal.aborted) throw ERRORS.ABORTED
  let timer: NodeJS.Timeout | undefined
  let onAbort: (() => void) | undefined
  try {
    await Promise.race([
      done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(lockTimeout(timeoutMs)), Math.max(0, deadline - Date.now()))
        onAbort = () => reject(ERRORS.ABORTED)
        signal.addEventListener('abort', onAbort, { once: true })
      }),
    ])
  } finally {
    clearTimeout(timer)
    if (onAbort) signal.removeEventListener('abort', onAbort)
  }
}

interface Holder {
  released: Promise<void>
  requestRelease: RequestRelease
}

/**
 * Exclusive locks by id inside one process. A waiter asks the holder to let go
 * (tus: a resumed PATCH must not wait for a stale request on a half-open connection).
 */
export class LocalLocks {
  private readonly holders = new Map<string, Holder>()

  async acquire(
    id: string,
    opts: {
      signal: AbortSignal
      deadline: number
      timeoutMs: number
      requestRelease: RequestRelease
    },
  ): Promise<() => void> {
    for (;;) {
      const holder = this.holders.get(id)
      if (!holder) {
        let release!: () => void
        const released = new Promise<void>((resolve) => {
          release = resolve
        })
        this.holders.set(id, { released, requestRelease: opts.requestRelease })
        return () => {
          if (this.holders.get(id)?.released === released) this.holders.delete(id)
          release()
        }
      }
      Promise.resolve()
        .then(() => holder.requestRelease())
        .catch(() => {})
      await waitUntil(holder.released, opts.signal, opts.deadline, opts.timeoutMs)
    }
  }

  /** Asks the holder of `id`, if this process has one, to let go (a waiter elsewhere asked). */
  requestRelease(id: string): boolean {
    const holder = this.holders.get(id)
    if (!holder) return false
    Promise.resolve()
      .then(() => holder.requestRelease())
      .catch(() => {})
    return true
  }

  /** Asks every holder in this process to let go (their cross-instance locks were lost). */
  requestReleaseAll(): void {
    for (const id of this.holders.keys()) this.requestRelease(id)
  }

  /** Ids currently locked (for tests and diagnostics). */
  get size(): number {
    return this.holders.size
  }
}
