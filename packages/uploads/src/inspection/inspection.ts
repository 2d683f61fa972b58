import { createHash } from 'node:crypto'
import { PassThrough } from 'node:stream'
import { formatBytes } from '@uplink/core'
import { fileTypeFromBuffer } from 'file-type'
import type { Scanner, ScanResult } from './scanner.ts'
import { typeMismatch } from './type-family.ts'

/** file-type reads at most this many bytes for most formats. */
export const SNIFF_BYTES = 4100

/** What the bytes must be; a rule left out is not checked. */
export interface InspectionRules {
  purpose: string
  /** The declared media type, checked against the sniffed one. */
  contentType: string
  /** The purpose's allowed types (a media family may stand in for a member of it). */
  allowedTypes: readonly string[]
  /** The purpose's limit: more bytes are `content_too_large`. */
  maxBytes: number
  /** The whole upload's length, when it was declared (tus Upload-Length). */
  size?: number | undefined
  /** The base64 SHA-256 the client declared. */
  sha256?: string | null | undefined
}

/** Why an inspection did not pass, as a catalogue code: 413, 422 or 503. */
export type InspectionFailure = 'content_too_large' | 'content_rejected' | 'scanner_unavailable'

export type InspectionVerdict =
  | { ok: true; sha256: string; size: number }
  | { ok: false; code: InspectionFailure; reason: string }

/**
 * One pass over an upload's bytes as they arrive: the first bytes for the type sniff, every
 * byte to the scanner (clamd INSTREAM) and into a SHA-256, and the byte count against the
 * purpose's limit. Memory stays bounded: only the head is kept, and `write` waits while the
 * scanner is behind. A scanner failure never fails `write`; it shows in the verdict.
 */
export class Inspection {
  readonly #hash = createHash('sha256')
  readonly #head: Buffer[] = []
  readonly #maxBytes: number
  readonly #toScanner: PassThrough | undefined
  readonly #scan: Promise<ScanResult> | undefined
  #headBytes = 0
  #size = 0
  #ended = false

  constructor(scanner: Scanner | undefined, maxBytes: number) {
    this.#maxBytes = maxBytes
    if (!scanner) return
    const pipe = new PassThrough({ highWaterMark: 1024 * 1024 })
    this.#toScanner = pipe
    this.#scan = scanner
      .scan(pipe)
      .catch((err: unknown): ScanResult => ({ verdict: 'error', message: (err as Error).message }))
      .then((result) => {
        // A scanner that stopped reading (refused, hung up) must not leave `write` waiting.
        pipe.destroy()
        return result
      })
  }

  /** Bytes seen so far. */
  get size(): number {
    return this.#size
  }

  /** Takes the next bytes of the upload; resolves when the scanner can take more. */
  async write(chunk: Buffer): Promise<void> {
    if (this.#ended) throw new Error('the inspection has ended')
    this.#hash.update(chunk)
    this.#size += chunk.length
    if (this.#headBytes < SNIFF_BYTES) {
      this.#head.push(chunk.subarray(0, SNIFF_BYTES - this.#headBytes))
      this.#headBytes += Math.min(chunk.length, SNIFF_BYTES - this.#headBytes)
    }
    // Over the limit: the upload is refused anyway, so the scanner is spared the rest.
    const pipe = this.#toScanner
    if (!pipe || pipe.destroyed || this.#size > this.#maxBytes) return
    if (pipe.write(chunk)) return
    await new Promise<void>((resolve) => {
      const done = () => {
        pipe.off('drain', done)
        pipe.off('close', done)
        resolve()
      }
      pipe.once('drain', done)
      pipe.once('close', done)
    })
  }

  /** Ends the stream of bytes and judges them by `rules`. */
  async end(rules: InspectionRules): Promise<InspectionVerdict> {
    this.#ended = true
    const tooLarge = this.#size > rules.maxBytes
    if (tooLarge) this.#toScanner?.destroy()
    else this.#toScanner?.end()
    const head = Buffer.concat(this.#head)
    const sha256 = this.#hash.digest('base64')
    const size = this.#size
    const fail = (code: InspectionFailure, reason: string) => {
      this.abort()
      return { ok: false as const, code, reason }
    }
    if (tooLarge) {
      return fail(
        'content_too_large',
        `the upload is over the ${formatBytes(rules.maxBytes)} limit for purpose "${rules.purpose}"`,
      )
    }
    if (rules.size !== undefined && size !== rules.size) {
      return fail(
        'content_rejected',
        `the upload has ${size} bytes, not the declared ${rules.size}`,
      )
    }
    const detected = head.length ? await fileTypeFromBuffer(head) : undefined
    const mismatch = typeMismatch(rules.contentType, detected, rules.allowedTypes)
    if (mismatch) return fail('content_rejected', mismatch)
    const scan = await this.#scan
    if (scan?.verdict === 'infected')
      return fail('content_rejected', `malware found (${scan.signature})`)
    if (scan?.verdict === 'error') {
      return fail('scanner_unavailable', `the virus scan could not run: ${scan.message}`)
    }
    if (rules.sha256 && rules.sha256 !== sha256) {
      return fail('content_rejected', sha256Mismatch(sha256, rules.sha256))
    }
    return { ok: true, sha256, size }
  }

  /** Stops the scan (closes the clamd connection); the verdict is no longer needed. */
  abort(): void {
    this.#ended = true
    this.#toScanner?.destroy()
  }
}

/** Why bytes whose digest is not the declared one are refused (every path says it alike). */
export const sha256Mismatch = (actual: string, declared: string): string =>
  `the bytes have SHA-256 ${actual} but the client declared ${declared}`

/**
 * Why a stored object whose digest is not the declared one is rejected after its upload (the
 * worker's read-back and the streamed check of an async purpose say it alike).
 */
export const storedSha256Mismatch = (actual: string, declared: string): string =>
  `the stored bytes have SHA-256 ${actual} but the client declared ${declared}`

/** Inspects a whole stream of bytes (e.g. a stored object read back from S3). */
export async function inspectStream(
  body: AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>,
  scanner: Scanner | undefined,
  rules: InspectionRules,
): Promise<InspectionVerdict> {
  const inspection = new Inspection(scanner, rules.maxBytes)
  try {
    for await (const chunk of body) {
      await inspection.write(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk))
      // Far over the limit: stop reading; the verdict is already known.
      if (inspection.size > rules.maxBytes) break
    }
  } catch (err) {
    inspection.abort()
    throw err
  }
  return inspection.end(rules)
}
