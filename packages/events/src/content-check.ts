import { isSyncInspected, type Logger, type Policies, policyFor } from '@uplink/core'
import {
  type Database,
  type Document,
  DocumentTransitionError,
  findDocumentById,
  type TransitionOptions,
  transitionDocument,
} from '@uplink/db'
import type { Storage } from '@uplink/storage'
import {
  DEFAULT_SCAN_MAX_BYTES,
  type Scanner,
  SNIFF_BYTES,
  storedSha256Mismatch,
  typeMismatch,
} from '@uplink/uploads'
import { fileTypeFromBuffer } from 'file-type'
import type { Kysely } from 'kysely'
import { ObjectRead } from './object-read.ts'
import { inspectVideo, type VideoInspection, type VideoTools } from './video/inspect-video.ts'

export { DEFAULT_SCAN_MAX_BYTES }

export interface ContentCheckDeps {
  db: Kysely<Database>
  storage: Pick<Storage, 'readStream' | 'delete' | 'presignGet' | 'put'>
  policies: Policies
  /** Without one, documents whose bytes match their type go straight to `ready`. */
  scanner?: Scanner | undefined
  /**
   * Objects larger than this are not sent to the scanner (default 100 MiB, clamd's default
   * StreamMaxLength): they still get the type sniff and the SHA-256, and become `ready` with a
   * scan note. Raising it needs clamd's StreamMaxLength and MaxScanSize raised as well.
   */
  scanMaxBytes?: number | undefined
  /** ffprobe/ffmpeg for documents of purpose `video`; without it they are not inspected. */
  video?: VideoTools | undefined
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
  /**
   * Queued by the document's move to `uploaded` (not by reconcile or an S3 event): a purpose
   * inspected synchronously is then being settled by its upload, which inspected every byte.
   */
  atTransition?: boolean
}

/**
 * `uploaded → ready | rejected`, reading the object once (or not at all when its bytes were
 * checked as they streamed in, see below): its first bytes are sniffed against
 * the declared type, every byte goes to the scanner and into a SHA-256. The size must be the
 * confirmed one and the digest the declared one (if any); a `ready` document records the digest.
 * A rejected document's object is deleted and the reason stored. Objects over `scanMaxBytes`
 * skip the scanner only. Documents in any other state are left alone, so the check is safe to
 * run twice. On `finalAttempt`, a scanner error rejects instead of throwing. Documents of purpose
 * `video` that pass are then probed and get a poster (`inspectVideo`) before `ready`.
 */
export async function checkContent(
  deps: ContentCheckDeps,
  documentId: string,
  options: CheckOptions = {},
): Promise<CheckResult> {
  const doc = await findDocumentById(deps.db, documentId)
  if (doc?.status !== 'uploaded') return { outcome: 'skipped' }
  // Its upload moves it on to `ready` next; a crash in between is found by reconcile, whose
  // job (queued without `atTransition`) checks it here.
  if (options.atTransition && isSyncInspected(deps.policies, doc.purpose)) {
    return { outcome: 'skipped' }
  }
  const reject = (reason: string) => rejectDocument(deps, doc, reason, options.signal)

  const scanMaxBytes = deps.scanMaxBytes ?? DEFAULT_SCAN_MAX_BYTES
  const tooLargeToScan = deps.scanner !== undefined && doc.sizeBytes > scanMaxBytes
  let scanNote: string | undefined
  if (tooLargeToScan) {
    scanNote = `scan: skipped (over ${scanMaxBytes} bytes)`
    deps.log.warn(
      { documentId: doc.id, sizeBytes: doc.sizeBytes, scanMaxBytes, scanNote },
      'virus scan skipped: the object is larger than the scanner takes',
    )
  }

  // A tus upload's bytes may have been checked as they streamed into a store that verified
  // every part's checksum (@uplink/tus streamed-check.ts): the verdict was recorded with
  // `uploaded`, so — unless the scanner needs them — the bytes are not read again.
  if (doc.streamRejection) return reject(doc.streamRejection)
  if (doc.sha256 && (!deps.scanner || tooLargeToScan)) {
    if (doc.declaredSha256 && doc.declaredSha256 !== doc.sha256) {
      return reject(storedSha256Mismatch(doc.sha256, doc.declaredSha256))
    }
    return afterBytes(deps, doc, doc.sha256, scanNote, options, reject)
  }

  const stream = await deps.storage.readStream(doc.objectKey)
  if (!stream) return reject('the object is no longer in storage')
  const read = new ObjectRead(stream)
  try {
    const head = await read.head(SNIFF_BYTES)
    const detected = head.length ? await fileTypeFromBuffer(head) : undefined
    const allowed = policyOf(deps.policies, doc.purpose)?.contentTypes ?? []
    const mismatch = typeMismatch(doc.contentType, detected, allowed)
    if (mismatch) return reject(mismatch)

    if (deps.scanner && !tooLargeToScan) {
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
      return reject(storedSha256Mismatch(sha256, doc.declaredSha256))
    }
    // Read back although streamed (to scan it): the stored bytes must be the streamed ones.
    if (doc.sha256 && doc.sha256 !== sha256) {
      return reject(`the stored bytes have SHA-256 ${sha256} but streamed in as ${doc.sha256}`)
    }
    return await afterBytes(deps, doc, sha256, scanNote, options, reject)
  } finally {
    read.close()
  }
}

/** The bytes passed: a video's facts and poster, then `ready` with the digest and notes. */
async function afterBytes(
  deps: ContentCheckDeps,
  doc: Document,
  sha256: string,
  scanNote: string | undefined,
  options: CheckOptions,
  reject: (reason: string) => Promise<CheckResult>,
): Promise<CheckResult> {
  let video: VideoInspection | undefined
  if (doc.purpose === 'video' && deps.video) {
    video = await inspectVideo(
      { storage: deps.storage, tools: deps.video, log: deps.log },
      doc,
      { maxDurationSeconds: policyOf(deps.policies, doc.purpose)?.maxDurationSeconds },
      { finalAttempt: options.finalAttempt },
    )
    if (video.kind === 'rejected') return reject(video.reason)
  }
  options.signal?.throwIfAborted()
  const note = joinNotes(scanNote, video?.kind === 'rejected' ? undefined : video?.note)
  const columns = { ...readyColumns(sha256, note), ...videoColumns(video) }
  const outcome = await settle(deps, doc, 'ready', columns)
  if (outcome !== 'ready' && columns.posterKey) await dropPoster(deps, doc.id, columns.posterKey)
  return outcome === 'ready' && note ? { outcome, scanNote: note } : { outcome }
}

/** What a `ready` document records. */
function readyColumns(sha256: string, scanNote: string | undefined) {
  return { sha256, scanNote: scanNote ?? null }
}

const policyOf = (policies: Policies, purpose: string) =>
  Object.hasOwn(policies, purpose) ? policyFor(policies, purpose) : undefined

/** Notes are shown to users one after the other: "scan: skipped (…); poster: not made (…)". */
const joinNotes = (...notes: (string | undefined)[]) =>
  notes.filter(Boolean).join('; ') || undefined

/** A video's facts and poster key as columns (all null when it was not inspected). */
function videoColumns(video: VideoInspection | undefined) {
  const facts = video?.kind === 'facts' ? video : undefined
  return {
    videoDurationSeconds: facts?.facts.durationSeconds ?? null,
    videoWidth: facts?.facts.width ?? null,
    videoHeight: facts?.facts.height ?? null,
    videoCodec: facts?.facts.videoCodec ?? null,
    videoAudioCodec: facts?.facts.audioCodec ?? null,
    videoBitrate: facts?.facts.bitrate ?? null,
    posterKey: facts?.posterKey ?? null,
  }
}

/**
 * The document was not made `ready` by this run. Unless another run made it ready (with the
 * same poster key), the poster must not outlive it (e.g. it was deleted meanwhile).
 */
async function dropPoster(deps: ContentCheckDeps, documentId: string, key: string) {
  const now = await findDocumentById(deps.db, documentId)
  if (now?.status !== 'ready' || now.posterKey !== key) await deps.storage.delete(key)
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
  // A digest streamed in with `uploaded` is not kept: the bytes it names are gone.
  const set = { rejectionReason: reason, sha256: null }
  return { outcome: await settle(deps, doc, 'rejected', set) }
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
