import type { Logger, Policies } from '@uplink/core'
import { parseObjectKey, parsePosterKey } from '@uplink/core/object-key'
import {
  type Database,
  type Document,
  DocumentTransitionError,
  transitionDocument,
} from '@uplink/db'
import {
  isStagedMethod,
  listObjects,
  parseStagingKey,
  type Storage,
  stagingKey,
} from '@uplink/storage'
import { isUploadRejected, verifyUpload } from '@uplink/uploads'
import type { Kysely } from 'kysely'
import { enqueueContentCheck } from './object-created.ts'
import { withReconcileLock } from './reconcile-lock.ts'

export interface ReconcileDeps {
  db: Kysely<Database>
  storage: Pick<Storage, 'head' | 'delete' | 'copy' | 'bucket' | 'client' | 'multipart'>
  policies: Policies
  log: Logger
}

export interface ReconcileOptions {
  /** Report what would change, change nothing. */
  dryRun?: boolean
  /** Objects with no document are deleted once older than this (ms). */
  orphanGraceMs: number
  /** Incomplete multipart uploads with no live document are aborted once older than this (ms). */
  multipartMaxAgeMs: number
  /** Rows handled per step and run. */
  batchSize?: number
}

export interface ReconcileSummary {
  /** Another run held the lock; nothing was done. */
  skipped: boolean
  dryRun: boolean
  /** Expired pending documents whose object was there and valid → uploaded (ids). */
  confirmed: string[]
  /** Expired pending documents whose object broke the rules → rejected (ids). */
  rejected: string[]
  /** Pending documents past their expiry with no object → expired (ids). */
  expired: string[]
  /** Aborted multipart uploads (`key uploadId`). */
  multipartAborted: string[]
  /** Deleted orphan object keys. */
  orphansDeleted: string[]
  /** Uploaded documents whose content checks were queued. */
  checksQueued: number
}

/**
 * The purpose of an object key we made, its tus `.info` / `.part` companions, its poster, or
 * their staging keys.
 */
const purposeOf = (key: string) => parseObjectKey(baseKey(parseStagingKey(key) ?? key))?.purpose

/** Documents in these states no longer own an object. */
const DEAD = ['expired', 'rejected', 'deleted'] as const

/**
 * Brings the database and the bucket back in line so no document stays in limbo: expires or
 * confirms pending rows past their expiry, aborts abandoned multipart uploads, deletes objects
 * no document owns, and queues content checks for uploaded documents. Safe to run
 * concurrently: only one run at a time does anything.
 */
export async function reconcile(
  deps: ReconcileDeps,
  options: ReconcileOptions,
): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = {
    skipped: false,
    dryRun: options.dryRun ?? false,
    confirmed: [],
    rejected: [],
    expired: [],
    multipartAborted: [],
    orphansDeleted: [],
    checksQueued: 0,
  }
  const done = await withReconcileLock(deps.db, async () => {
    await settleExpired(deps, options, summary)
    await abortAbandonedMultipart(deps, options, summary)
    await deleteOrphans(deps, options, summary)
    if (!summary.dryRun) await queueChecks(deps, options, summary)
    return true
  })
  if (!done) summary.skipped = true
  return summary
}

async function settleExpired(deps: ReconcileDeps, o: ReconcileOptions, s: ReconcileSummary) {
  const rows = await deps.db
    .selectFrom('documents')
    .selectAll()
    .where('status', '=', 'pending')
    .where('expiresAt', '<', new Date())
    .orderBy('expiresAt')
    .limit(o.batchSize ?? 500)
    .execute()
  for (const doc of rows) {
    const head =
      (await deps.storage.head(doc.objectKey)) ??
      (isStagedMethod(doc.method) ? await deps.storage.head(stagingKey(doc.objectKey)) : undefined)
    if (s.dryRun) {
      ;(head ? s.confirmed : s.expired).push(doc.id)
      continue
    }
    if (head) {
      // The client uploaded but never confirmed: confirm for it (HeadObject is the truth).
      try {
        const confirmed = await verifyUpload(deps, doc)
        if (confirmed.status === 'uploaded') s.confirmed.push(doc.id)
      } catch (err) {
        if (isUploadRejected(err)) s.rejected.push(doc.id)
        else if (!(err instanceof DocumentTransitionError)) throw err
      }
      continue
    }
    await expire(deps, doc, s)
  }
}

async function expire(deps: ReconcileDeps, doc: Document, s: ReconcileSummary) {
  if (doc.method === 'multipart' && doc.uploadRef) {
    await deps.storage.multipart.abort({ key: doc.objectKey, uploadId: doc.uploadRef })
  }
  try {
    const moved = await transitionDocument(deps.db, doc.id, { to: 'expired', from: ['pending'] })
    if (moved) s.expired.push(doc.id)
  } catch (err) {
    // Confirmed (or deleted) concurrently: not ours to expire any more.
    if (!(err instanceof DocumentTransitionError)) throw err
  }
}

async function abortAbandonedMultipart(
  deps: ReconcileDeps,
  o: ReconcileOptions,
  s: ReconcileSummary,
) {
  const cutoff = Date.now() - o.multipartMaxAgeMs
  const old = (await deps.storage.multipart.listUploads()).filter(
    (u) => (u.initiated?.getTime() ?? 0) <= cutoff,
  )
  if (!old.length) return
  const live = await liveKeys(
    deps,
    old.map((u) => u.key),
    { pendingOnly: true },
  )
  for (const u of old) {
    if (live.has(u.key)) continue
    if (!s.dryRun) await deps.storage.multipart.abort({ key: u.key, uploadId: u.uploadId })
    s.multipartAborted.push(`${u.key} ${u.uploadId}`)
  }
}

/**
 * Deletes objects past the grace period that no document owns. A served key (and its tus
 * companions and poster) belongs to any document not dead; a staging key only to a pending one, since
 * confirm moves its bytes away and nothing else may read it.
 */
async function deleteOrphans(deps: ReconcileDeps, o: ReconcileOptions, s: ReconcileSummary) {
  const cutoff = Date.now() - o.orphanGraceMs
  for await (const page of listObjects(deps.storage)) {
    const candidates = page.filter((obj) => {
      const purpose = purposeOf(obj.key)
      return (
        purpose !== undefined &&
        Object.hasOwn(deps.policies, purpose) &&
        (obj.lastModified?.getTime() ?? 0) <= cutoff
      )
    })
    if (!candidates.length) continue
    const staged = candidates.flatMap((c) => parseStagingKey(c.key) ?? [])
    const served = candidates.filter((c) => !parseStagingKey(c.key)).map((c) => baseKey(c.key))
    const liveServed = await liveKeys(deps, served, { pendingOnly: false })
    const liveStaged = await liveKeys(deps, staged, { pendingOnly: true, anyExpiry: true })
    for (const c of candidates) {
      const stagedFor = parseStagingKey(c.key)
      const live = stagedFor ? liveStaged.has(stagedFor) : liveServed.has(baseKey(c.key))
      if (live) continue
      if (!s.dryRun) await deps.storage.delete(c.key)
      s.orphansDeleted.push(c.key)
    }
  }
}

async function queueChecks(deps: ReconcileDeps, o: ReconcileOptions, s: ReconcileSummary) {
  const rows = await deps.db
    .selectFrom('documents')
    .select('id')
    .where('status', '=', 'uploaded')
    .limit(o.batchSize ?? 500)
    .execute()
  for (const { id } of rows) if (await enqueueContentCheck(deps.db, id)) s.checksQueued++
}

/** The document key an object belongs to: itself, or the key of its tus companion or poster. */
const baseKey = (key: string) => parsePosterKey(key) ?? key.replace(/\.(info|part)$/, '')

/**
 * Which of `keys` belong to a document that still owns its object (or upload). `pendingOnly`:
 * only pending documents count, and unless `anyExpiry`, only those not yet past their expiry.
 */
async function liveKeys(
  deps: ReconcileDeps,
  keys: string[],
  options: { pendingOnly: boolean; anyExpiry?: boolean },
): Promise<Set<string>> {
  if (!keys.length) return new Set()
  let query = deps.db.selectFrom('documents').select('objectKey').where('objectKey', 'in', keys)
  if (!options.pendingOnly) query = query.where('status', 'not in', DEAD)
  else {
    query = query.where('status', '=', 'pending')
    if (!options.anyExpiry) {
      query = query.where((eb) =>
        eb.or([eb('expiresAt', 'is', null), eb('expiresAt', '>', new Date())]),
      )
    }
  }
  const rows = await query.execute()
  return new Set(rows.map((r) => r.objectKey))
}
