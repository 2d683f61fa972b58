import { type Logger, type Policies, policyFor } from '@uplink/core'
import {
  type Database,
  type Document,
  DocumentTransitionError,
  findDocumentById,
  type TransitionOptions,
  transitionDocument,
} from '@uplink/db'
import type { Storage } from '@uplink/storage'
import { DEFAULT_SCAN_MAX_BYTES, type Scanner, SNIFF_BYTES, typeMismatch } from '@uplink/uploads'
import { fileTypeFromBuffer } from 'file-type'
import type { Kysely } from 'kysely'
import { ObjectRead } from './object-read.ts'

export { DEFAULT_SCAN_MAX_BYTES }

export interface ContentCheckDeps {
  db: Kysely<Database>
  storage: Pick<Storage, 'readStream' | 'delete'>
  policies: Policies
  /** Without one, documents whose bytes match their type go straight to `ready`. */
  scanner?: Scanner | undefined
  /**
   * Objects larger than this are not sent to the scanner (default 100 MiB, clamd's default
   * StreamMaxLength): they still get the type sniff and the SHA-256, and become `ready` with a
   * scan note. Raising it needs clamd's StreamMaxLength and MaxScanSize raised as well.
   */
  scanMaxBytes?: number | undefined
  log: Logger
}

/** The scanner could not give a verdict; the job is retried. */
export class ScanFailedError extends Error {
  override readonly name = 'ScanFailedError'
}

export type CheckOutcome = 'ready' | 'rejected' | 'skipped'

export interface CheckResult {
  outcome: CheckOutcome
  /** Why a `ready` document was not scanned, e.g. "scan: skipped (over 104857600 bytes)". */
  scanNote?: string
}

export interface CheckOptions {
  /** A scanner error rejects instead of throwing, so nothing stays in limbo. */
  finalAttempt?: boolean
  /** Aborted when this run may no longer apply its result (its job lease was lost). */
  signal?: AbortSignal
}

/**
 * `uploaded → ready | rejected`, reading the object once: its first bytes are sniffed against
 * the declared type, every byte goes to the scanner and into a SHA-256. The size must be the
 * confirmed one and the digest the declared one (if any); a `ready` document records the digest.
 * A rejected document's object is deleted and the reason stored. Objects over `scanMaxBytes`
 * skip the scanner only. Documents in any other state are left alone, so the check is safe to
 * run twice. On `finalAttempt`, a scanner error rejects instead of throwing.
 */
export async function checkContent(
  deps: ContentCheckDeps,
  documentId: string,
  options: CheckOptions = {},
): Promise<CheckResult> {
  const doc = await findDocumentById(deps.db, documentId)
  if (doc?.status !== 'uploaded') return { outcome: 'skipped' }
  const reject = (reason: string) => rejectDocument(deps, doc, reason, options.signal)

  const stream = await deps.storage.readStream(doc.objectKey)
  if (!stream) return reject('the object is no longer in storage')
  const read = new ObjectRead(stream)
  try {
    const head = await read.head(SNIFF_BYTES)
    const detected = head.length ? await fileTypeFromBuffer(head) : undefined
    const allowed = Object.hasOwn(deps.policies, doc.purpose)
      ? policyFor(deps.policies, doc.purpose).contentTypes
      : []
    const mismatch = typeMismatch(doc.contentType, detected, allowed)
    if (mismatch) return reject(mismatch)

    const scanMaxBytes = deps.scanMaxBytes ?? DEFAULT_SCAN_MAX_BYTES
    let scanNote: string | undefined
    if (deps.scanner && doc.sizeBytes > scanMaxBytes) {
      scanNote = `scan: skipped (over ${scanMaxBytes} bytes)`
      deps.log.warn(
        { documentId: doc.id, sizeBytes: doc.sizeBytes, scanMaxBytes, scanNote },
        'virus scan skipped: the object is larger than the scanner takes',
      )
    } else if (deps.scanner) {
      const result = await deps.scanner.scan(read.bytes())
      if (result.verdict === 'infected') return reject(`malware found (${result.signature})`)
      if (result.verdict === 'error') {
        if (options.finalAttempt) return reject(`the virus scan failed: ${result.message}`)
        throw new ScanFailedError(`scan of document ${doc.id} failed: ${result.message}`)
      }
    }

    const { sha256, size } = await read.finish()
    if (size !== doc.sizeBytes) {
      return reject(`the stored object has ${size} bytes, not the confirmed ${doc.sizeBytes}`)
    }
    if (doc.declaredSha256 && doc.declaredSha256 !== sha256) {
      return reject(
        `the stored bytes have SHA-256 ${sha256} but the client declared ${doc.declaredSha256}`,
      )
    }
    options.signal?.throwIfAborted()
    const outcome = await settle(deps, doc, 'ready', readyColumns(sha256, scanNote))
    return outcome === 'ready' && scanNote ? { outcome, scanNote } : { outcome }
  } finally {
    read.close()
  }
}

/**
 * What a `ready` document records. The scan note is in the check result and the logs only
 * until documents get a column for it; then this returns `{ sha256, scanNote }`.
 */
function readyColumns(sha256: string, scanNote: string | undefined) {
  return { sha256, scanNote: scanNote ?? null }
}

async function rejectDocument(
  deps: ContentCheckDeps,
  doc: Document,
  reason: string,
  signal: AbortSignal | undefined,
): Promise<CheckResult> {
  signal?.throwIfAborted()
  await deps.storage.delete(doc.objectKey)
  deps.log.warn({ documentId: doc.id, reason }, 'upload rejected by content checks')
  return { outcome: await settle(deps, doc, 'rejected', { rejectionReason: reason }) }
}

async function settle(
  deps: ContentCheckDeps,
  doc: Document,
  to: 'ready' | 'rejected',
  set: TransitionOptions['set'],
): Promise<CheckOutcome> {
  try {
    const moved = await transitionDocument(deps.db, doc.id, { to, from: ['uploaded'], set })
    return moved ? to : 'skipped'
  } catch (err) {
    // Someone else (a concurrent check, a delete) moved it first.
    if (err instanceof DocumentTransitionError) return 'skipped'
    throw err
  }
}
