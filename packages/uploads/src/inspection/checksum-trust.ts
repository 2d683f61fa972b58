import type { Logger } from '@uplink/core'

/** Where the probe writes (never a document key: `parseObjectKey` refuses two segments). */
export const CHECKSUM_PROBE_PREFIX = 'uplink-probes/'

export type ChecksumProbe = () => Promise<{ refused: true } | { refused: false; why: string }>

/**
 * Integrity: a digest computed while the bytes streamed proves the stored bytes only if every
 * part carried an S3 checksum the store verified. So: part checksums on, and the store known
 * to refuse a wrong one — probed once per process, lazily, the answer cached and logged once.
 * A probe that failed transiently is tried again on the next call.
 */
export class ChecksumTrust {
  #answer: Promise<boolean> | undefined
  #known: boolean | undefined

  constructor(private readonly deps: { checksums: boolean; probe: ChecksumProbe; log: Logger }) {
    if (!deps.checksums) this.#known = false
  }

  /** The cached answer, or undefined while it is not known yet. */
  get known(): boolean | undefined {
    return this.#known
  }

  /** True when a streamed digest may stand for the stored bytes. Never throws. */
  trusted(): Promise<boolean> {
    if (this.#known !== undefined) return Promise.resolve(this.#known)
    this.#answer ??= this.#probe()
    return this.#answer
  }

  async #probe(): Promise<boolean> {
    const { log } = this.deps
    try {
      const answer = await this.deps.probe()
      this.#known = answer.refused
      if (answer.refused) {
        log.info({}, 'the store refuses wrong checksums: content checks trust the streamed digest')
      } else {
        log.warn(
          { why: answer.why },
          'the store does not refuse wrong checksums: content checks read each object back',
        )
      }
      return this.#known
    } catch (err) {
      log.warn({ err }, 'checksum probe failed; this upload is checked by reading it back')
      this.#answer = undefined
      return false
    }
  }
}
