import { type Policies, policyFor } from '@uplink/core'
import {
  type Database,
  type Document,
  DocumentTransitionError,
  findDocumentById,
  transitionDocument,
} from '@uplink/db'
import type { Storage } from '@uplink/storage'
import { fileTypeFromBuffer } from 'file-type'
import type { Kysely } from 'kysely'
import type { Log } from './log.ts'
import { ObjectRead } from './object-read.ts'
import type { Scanner } from './scanner.ts'
import { typeMismatch } from './type-family.ts'

/** file-type reads at most this many bytes for most formats. */
const SNIFF_BYTES = 4100

export interface ContentCheckDeps {
  db: Kysely<Database>
  storage: Pick<Storage, 'readStream' | 'delete'>
  policies: Policies
  /** Without one, documents whose bytes match their type go straight to `ready`. */
  scanner?: Scanner | undefined
  log: Log
}

/** The scanner could not give a verdict; the job is retried. */
export class ScanFailedError extends Error {
  override readonly name = 'ScanFailedError'
}

export type CheckOutcome = 'ready' | 'rejected' | 'skipped'

/**
 * `uploaded → ready | rejected`, reading the object once: its first bytes are sniffed against
 * the declared type, every byte goes to the scanner and into a SHA-256. The size must be the
 * confirmed one and the digest the declared one (if any); a `ready` document records the digest.
 * A rejected document's object is deleted and the reason stored. Documents in any other state
 * are left alone, so the check is safe to run twice.
 * On `finalAttempt`, a scanner error rejects instead of throwing, so nothing stays in limbo.
 */
export async function checkContent(
  deps: ContentCheckDeps,
  documentId: string,
  options: { finalAttempt?: boolean } = {},
): Promise<CheckOutcome> {
  const doc = await findDocumentById(deps.db, documentId)
  if (doc?.status !== 'uploaded') return 'skipped'

  const stream = await deps.storage.readStream(doc.objectKey)
  if (!stream) return reject(deps, doc, 'the object is no longer in storage')
  const read = new ObjectRead(stream)
  try {
    const head = await read.head(SNIFF_BYTES)
    const detected = head.length ? await fileTypeFromBuffer(head) : undefined
    const allowed = Object.hasOwn(deps.policies, doc.purpose)
      ? policyFor(deps.policies, doc.purpose).contentTypes
      : []
    const mismatch = typeMismatch(doc.contentType, detected, allowed)
    if (mismatch) return reject(deps, doc, mismatch)

    if (deps.scanner) {
      const result = await deps.scanner.scan(read.bytes())
      if (result.verdict === 'infected') {
        return reject(deps, doc, `malware found (${result.signature})`)
      }
      if (result.verdict === 'error') {
        if (options.finalAttempt) {
          return reject(deps, doc, `the virus scan failed: ${result.message}`)
        }
        throw new ScanFailedError(`scan of document ${doc.id} failed: ${result.message}`)
      }
    }

    const { sha256, size } = await read.finish()
    if (size !== doc.sizeBytes) {
      return reject(
        deps,
        doc,
        `the stored object has ${size} bytes, not the confirmed ${doc.sizeBytes}`,
      )
    }
    if (doc.declaredSha256 && doc.declaredSha256 !== sha256) {
      return reject(
        deps,
        doc,
        `the stored bytes have SHA-256 ${sha256} but the client declared ${doc.declaredSha256}`,
      )
    }
    return settle(deps, doc, 'ready', { sha256 })
  } finally {
    read.close()
  }
}

async function reject(deps: ContentCheckDeps, doc: Document, reason: string) {
  await deps.storage.delete(doc.objectKey)
  deps.log.warn({ documentId: doc.id, reason }, 'upload rejected by content checks')
  return settle(deps, doc, 'rejected', { rejectionReason: reason })
}

async function settle(
  deps: ContentCheckDeps,
  doc: Document,
  to: 'ready' | 'rejected',
  set: { rejectionReason: string } | { sha256: string },
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
