import type { ServerHealth } from './upload-state.ts'

/**
 * Waits between probes while the server is down: short at first, never more than 2 s, so a
 * recovery is noticed within 2 s (an upload's own retry delay grows to 30 s).
 */
export const PROBE_DELAYS_MS = [500, 1000, 2000]

export interface ServerWatchOptions {
  /** Resolves true when the server answers (a cheap `/healthz`), false otherwise; never throws. */
  probe(): Promise<boolean>
  /** Called once each time the server comes back after being down. */
  onRecovered(): void
  now?: () => number
}

/**
 * Whether the server is reachable, learnt from cheap probes: one when something looks wrong
 * (`suspect`), then with backoff while it stays down. `retryNow` probes at once.
 */
export class ServerWatch {
  #health: ServerHealth = { kind: 'up' }
  #failures = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #probing = false
  #aliveAt = -1
  #stopped = false
  #listeners = new Set<() => void>()
  readonly #opts: ServerWatchOptions
  readonly #now: () => number

  constructor(opts: ServerWatchOptions) {
    this.#opts = opts
    this.#now = opts.now ?? (() => Date.now())
  }

  health(): ServerHealth {
    return this.#health
  }

  /** For `useSyncExternalStore`. */
  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Something failed or stalled: find out whether the server is there (once at a time). */
  suspect(): void {
    if (this.#health.kind === 'up') void this.#probe()
  }

  /**
   * Bytes reached the server: it is there, whatever a slow probe said (a loaded server may
   * answer `/healthz` late). Not a recovery: the uploads that moved need no restart.
   */
  alive(): void {
    this.#aliveAt = this.#now()
    if (this.#health.kind === 'up') return
    clearTimeout(this.#timer)
    this.#failures = 0
    this.#set({ kind: 'up' })
  }

  /** Probe now rather than at the scheduled time ("Retry now"). */
  retryNow(): void {
    clearTimeout(this.#timer)
    void this.#probe()
  }

  stop(): void {
    this.#stopped = true
    clearTimeout(this.#timer)
    this.#listeners.clear()
  }

  async #probe(): Promise<void> {
    if (this.#probing || this.#stopped) return
    this.#probing = true
    const startedAt = this.#now()
    const ok = await this.#opts.probe()
    this.#probing = false
    if (this.#stopped) return
    // Bytes moved while this probe was out: the server is there, whatever the probe says.
    if (!ok && this.#aliveAt >= startedAt) return
    const wasDown = this.#health.kind === 'down'
    if (ok) {
      this.#failures = 0
      this.#set({ kind: 'up' })
      if (wasDown) this.#opts.onRecovered()
      return
    }
    const wait = PROBE_DELAYS_MS[Math.min(this.#failures, PROBE_DELAYS_MS.length - 1)] ?? 2000
    this.#failures++
    this.#set({ kind: 'down', nextProbeAt: this.#now() + wait })
    this.#timer = setTimeout(() => void this.#probe(), wait)
  }

  #set(health: ServerHealth): void {
    this.#health = health
    for (const listener of this.#listeners) listener()
  }
}

/** `GET /healthz` with a short timeout: true when the server process answers 2xx. */
export async function probeHealthz(timeoutMs = 5000): Promise<boolean> {
  try {
    const res = await fetch('/healthz', {
      cache: 'no-store',
      signal: AbortSignal.timeout(timeoutMs),
    })
    return res.ok
  } catch {
    return false
  }
}
