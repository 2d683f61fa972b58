import { formatBytes } from '@uplink/core/browser'

/** The rate's half-life: a change of speed shows within a few seconds, one slow PATCH does not. */
const HALF_LIFE_MS = 3000
/** Below this much time since the first progress the speed is noise: "—" rather than "8–22 h". */
const MIN_OBSERVED_MS = 2000

/**
 * A smoothed transfer rate: an exponentially weighted moving average of bytes per second,
 * weighted by time, fed with the running byte count (e.g. once a second). Intervals without
 * progress count as zero bytes, so a stall lowers the rate instead of freezing the estimate.
 */
export class RateMeter {
  #first: number | undefined
  #last: { bytes: number; at: number } | undefined
  #rate = 0

  /** Records that `bytes` have been sent in all, as of `at` (ms). */
  sample(bytes: number, at: number): void {
    const last = this.#last
    if (!last || bytes < last.bytes) {
      // First sample, or the transfer started over (a retry): no history applies.
      this.#first = undefined
      this.#last = { bytes, at }
      this.#rate = 0
      return
    }
    const dt = at - last.at
    if (dt <= 0) return
    const instant = ((bytes - last.bytes) / dt) * 1000
    if (this.#first === undefined) {
      // Waiting for the first byte says nothing about the speed: measure from the first progress.
      if (bytes > last.bytes) {
        this.#first = last.at
        this.#rate = instant
      }
    } else {
      this.#rate += (1 - 2 ** (-dt / HALF_LIFE_MS)) * (instant - this.#rate)
    }
    this.#last = { bytes, at }
  }

  /** Bytes per second, or undefined until there is enough signal. */
  rate(): number | undefined {
    if (this.#first === undefined || !this.#last) return undefined
    if (this.#last.at - this.#first < MIN_OBSERVED_MS) return undefined
    return this.#rate
  }

  /** Seconds left for `remaining` bytes at the smoothed rate, or undefined when unknown. */
  secondsLeft(remaining: number): number | undefined {
    const rate = this.rate()
    if (remaining <= 0) return 0
    // Nothing moving (offline, paused): no honest estimate.
    if (rate === undefined || rate < 1) return undefined
    return remaining / rate
  }
}

/** "4.2 MiB/s", or "—" while unknown. */
export function formatRate(bytesPerSecond: number | undefined): string {
  return bytesPerSecond === undefined ? '—' : `${formatBytes(Math.round(bytesPerSecond))}/s`
}

/** "about 40 s", "about 3 min", "about 1 h 5 min", or "—" while unknown. */
export function formatSecondsLeft(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '—'
  if (seconds < 1) return 'under a second'
  if (seconds < 59.5) return `about ${Math.round(seconds)} s`
  const minutes = Math.max(1, Math.round(seconds / 60))
  if (minutes < 60) return `about ${minutes} min`
  const hours = Math.floor(minutes / 60)
  const rest = minutes % 60
  return rest === 0 ? `about ${hours} h` : `about ${hours} h ${rest} min`
}
