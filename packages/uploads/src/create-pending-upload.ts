import { randomUUID } from 'node:crypto'
import {
  anyQuotaOn,
  checkDirectUpload,
  checkUpload,
  consumeRateLimit,
  normalizeContentType,
  type Policies,
  type Quotas,
  type RateLimit,
  sanitizeFilename,
  type UploadMethod,
  type UploadRequestInput,
} from '@uplink/core'
import { objectKey } from '@uplink/core/object-key'
import {
  type Database,
  type Document,
  insertPendingDocument,
  insertPendingDocumentWithin,
  type NewPendingDocument,
} from '@uplink/db'
import type { Kysely } from 'kysely'

/** What creating a pending upload needs; the tRPC context fits as it is. */
export interface PendingUploadContext {
  db: Kysely<Database>
  policies: Policies
  user: { id: string }
  /** Signed URL lifetimes in seconds: the row expires with the upload URL by default. */
  expiries: { upload: number }
  /** Per-user quotas checked before any upload starts (none when absent). */
  quotas?: Quotas | undefined
  /** Shared limit on upload starts per user. */
  uploadRateLimit?: RateLimit | undefined
}

/** An upload request; `sha256` (base64) is the whole-object digest the client declares, if any. */
export type UploadInput = UploadRequestInput & { sha256?: string | undefined }

/**
 * Authorise before signing (rule 1): check the policy (a purpose inspected synchronously takes
 * no presigned upload), the user's rate limit and quotas, then create the `pending` row whose
 * server-generated key the URL will be signed for. The row expires after the upload URL TTL
 * unless `rowTtlSeconds` says otherwise (a multipart upload outlives any one signed URL).
 */
export async function createPendingUpload(
  ctx: PendingUploadContext,
  input: UploadInput,
  method: UploadMethod,
  uploadRef: string | null = null,
  rowTtlSeconds: number = ctx.expiries.upload,
): Promise<Document> {
  const contentType = normalizeContentType(input.contentType)
  checkUpload(ctx.policies, { ...input, contentType, method })
  checkDirectUpload(ctx.policies, input.purpose)
  const id = randomUUID()
  const row = {
    id,
    ownerId: ctx.user.id,
    purpose: input.purpose,
    objectKey: objectKey({ ownerId: ctx.user.id, purpose: input.purpose, documentId: id }),
    filename: sanitizeFilename(input.filename),
    contentType,
    sizeBytes: input.size,
    method,
    uploadRef,
    expiresAt: new Date(Date.now() + rowTtlSeconds * 1000),
    declaredSha256: input.sha256 ?? null,
  }
  return insertPendingWithinLimits(ctx, row)
}

/**
 * The user's limits, in one order for every adapter (tRPC, tus): consume one point of the
 * upload rate limit (`rate_limited`, 429 + Retry-After), then insert the row only if the quotas
 * allow it, counted and inserted under a per-owner lock in one round trip (`quota_exceeded`, 403).
 */
export async function insertPendingWithinLimits(
  deps: Pick<PendingUploadContext, 'db' | 'quotas' | 'uploadRateLimit'>,
  row: NewPendingDocument,
): Promise<Document> {
  await consumeRateLimit(deps.uploadRateLimit, row.ownerId)
  // Every quota off: nothing to count, so no lock and no transaction, a plain insert.
  if (!anyQuotaOn(deps.quotas)) return insertPendingDocument(deps.db, row)
  return insertPendingDocumentWithin(deps.db, row, deps.quotas)
}
