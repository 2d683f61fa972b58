import type { Locker } from '@tus/utils'
import type { Logger } from '@uplink/core'
import { type Database, transitionDocument } from '@uplink/db'
import type { Storage } from '@uplink/storage'
import type { Kysely } from 'kysely'
import type { UplinkS3Store } from './s3-store.ts'

interface Deps {
  db: Kysely<Database>
  store: UplinkS3Store
  storage: Pick<Storage, 'multipart'>
  locker: Locker
  log: Logger
  /** How long a finished upload keeps answering HEAD before its `.info` object goes. */
  expirationPeriodInMilliseconds: number
}

export interface CleanupResult {
  /** Uploads removed from S3 whose rows are now `expired`. */
  expired: number
  /** Uploads skipped this time (busy or failing); a later run retries them. */
  skipped: number
  /** Finished uploads past the expiry period whose `.info` object was deleted. */
  finished: number
  /** Part files of dead processes deleted from the temp dir. */
  tempFiles: number
}

const BATCH = 200

/**
 * Removes unfinished tus uploads past their expiry: the multipart upload is aborted (S3:
 * "parts of an incomplete multipart upload are billed until it is aborted"), the info and
 * incomplete-part objects deleted, and the row moved `pending → expired`. Driven by the
 * documents table, so it only touches uploads this service made. Safe to run on every instance.
 */
export function createCleanupExpired(deps: Deps) {
  return async (now: Date = new Date()): Promise<CleanupResult> => {
    const rows = await deps.db
      .selectFrom('documents')
      .select(['id', 'objectKey'])
      .where('method', '=', 'tus')
      .where('status', '=', 'pending')
      .where('expiresAt', '<=', now)
      .orderBy('expiresAt')
      .limit(BATCH)
      .execute()

    const result: CleanupResult = { expired: 0, skipped: 0, finished: 0, tempFiles: 0 }
    for (const row of rows) {
      const lock = deps.locker.newLock(row.objectKey)
      try {
        await lock.lock(new AbortController().signal, () => {})
      } catch {
        result.skipped++
        continue
      }
      try {
        await deps.store.purge(row.objectKey)
        // Also any multipart upload the info object no longer points at.
        for (const upload of await deps.storage.multipart.listUploads(row.objectKey)) {
          if (upload.key !== row.objectKey) continue
          await deps.storage.multipart.abort({ key: upload.key, uploadId: upload.uploadId })
        }
        await transitionDocument(deps.db, row.id, { to: 'expired', from: ['pending'] })
        result.expired++
      } catch (err) {
        result.skipped++
        deps.log.error({ err, documentId: row.id }, 'removing an expired tus upload failed')
      } finally {
        await lock.unlock()
      }
    }
    result.finished = await forgetFinishedUploads(deps, now)
    result.tempFiles = await deps.store.sweepTempFiles()
    if (result.expired + result.finished + result.tempFiles > 0) {
      deps.log.info({ ...result }, 'expired tus uploads removed')
    }
    return result
  }
}

/**
 * A finished upload keeps its `.info` object so that HEAD still answers (offset = length) for
 * the expiry period; then the object goes and `upload_ref` is cleared, so each is done once.
 */
async function forgetFinishedUploads(deps: Deps, now: Date): Promise<number> {
  const rows = await deps.db
    .selectFrom('documents')
    .select(['id', 'objectKey'])
    .where('method', '=', 'tus')
    .where('status', '!=', 'pending')
    .where('uploadRef', 'is not', null)
    .where('updatedAt', '<=', new Date(now.getTime() - deps.expirationPeriodInMilliseconds))
    .limit(BATCH)
    .execute()
  let done = 0
  for (const row of rows) {
    try {
      await deps.store.forgetFinished(row.objectKey)
      await deps.db
        .updateTable('documents')
        .set({ uploadRef: null })
        .where('id', '=', row.id)
        .execute()
      done++
    } catch (err) {
      deps.log.error({ err, documentId: row.id }, "removing a finished upload's info failed")
    }
  }
  return done
}
