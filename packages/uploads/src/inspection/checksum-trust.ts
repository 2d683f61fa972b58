import { createHash, randomUUID } from 'node:crypto'
import type { Logger } from '@uplink/core'
import { isChecksumRefusal, type Storage } from '@uplink/storage'

/** Where the probe writes (never a document key: `parseObjectKey` refuses two segments). */
export const CHECKSUM_PROBE_PREFIX = 'uplink-probes/'

export type ChecksumProbe = () => Promise<{ refused: true } | { refused: false; why: string }>

/**
 * Does the store refuse a body whose `x-amz-checksum-sha256` is wrong? A tiny PUT under a
 * reserved key with a deliberately wrong checksum: a refusal (400 BadDigest, MinIO's
 * XAmzContentChecksumMismatch) says yes; anything stored is deleted again and says no.
 * Transient failures (5xx, network) throw: they prove nothing either way.
 */
export function checksumProbe(
  storage: Pick<Storage, 'presignPut' | 'delete'>,
  fetcher: typeof fetch = fetch,
): ChecksumProbe {
  return async () => {
    const key = `${CHECKSUM_PROBE_PREFIX}checksum-${randomUUID()}`
    const body = Buffer.from('uplink checksum probe')
    const wrong = createHash('sha256').update('not the body').digest('base64')
    const signed = await storage.presignPut({
      key,
      contentType: 'application/octet-stream',
      size: body.length,
      sha256: wrong,
    })
    const res = await fetcher(signed.url, { method: 'PUT', headers: signed.headers, body })
    const text = await res.text()
    if (res.ok) {
      await storage.delete(key)
      return { refused: false, why: 'it stored a PUT whose x-amz-checksum-sha256 was wrong' }
    }
    const code = /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? ''
    if (isChecksumRefusal({ Code: code })) return { refused: true }
    if (res.status >= 500) throw new Error(`checksum probe: the store answered ${res.status}`)
    return {
      refused: false,
      why: `it answered a PUT with a wrong checksum ${res.status} ${code || '(no code)'}, not a checksum refusal`,
    }
  }
}

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
