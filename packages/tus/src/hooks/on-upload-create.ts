import type { Upload } from '@tus/utils'
import {
  checkUpload,
  type ErrorCode,
  type Policies,
  PolicyError,
  QuotaError,
  type Quotas,
  type RateLimit,
  RateLimitedError,
  sanitizeFilename,
} from '@uplink/core'
import type { Database, NewPendingDocument } from '@uplink/db'
import { insertPendingWithinLimits } from '@uplink/uploads'
import type { Kysely } from 'kysely'
import { type TusError, tusError } from '../protocol/errors.ts'
import { readMetadata } from '../protocol/metadata.ts'
import { parseUploadId } from '../protocol/upload-id.ts'
import type { RequireUser } from './request-user.ts'

/** The response header that names the document of a tus upload. */
export const DOCUMENT_ID_HEADER = 'Uplink-Document-Id'

const POLICY_CODE: Record<PolicyError['violation'], ErrorCode> = {
  unknown_purpose: 'policy_violation',
  method_not_allowed: 'policy_violation',
  type_not_allowed: 'type_not_allowed',
  too_large: 'content_too_large',
  empty: 'policy_violation',
  inspection_required: 'policy_violation',
}

/** Maps a policy refusal to the tus error the client sees (the policy's message as body). */
export function policyRejection(err: PolicyError): TusError {
  return tusError(POLICY_CODE[err.violation], err.message)
}

interface Deps {
  db: Kysely<Database>
  policies: Policies
  requireUser: RequireUser
  expirationPeriodInMilliseconds: number
  quotas?: Quotas | undefined
  rateLimit?: RateLimit | undefined
}

/**
 * Inserts the row within the user's limits (the domain's `insertPendingWithinLimits`) and maps
 * a refusal to tus: rate limit → 429 + Retry-After, quota → 403, the refusal's message as body.
 */
async function insertWithinLimits(deps: Deps, req: Request, doc: NewPendingDocument) {
  try {
    return await insertPendingWithinLimits(
      { db: deps.db, quotas: deps.quotas, uploadRateLimit: deps.rateLimit },
      doc,
    )
  } catch (err) {
    if (err instanceof RateLimitedError) {
      nodeResponse(req)?.setHeader('Retry-After', String(err.retryAfterSeconds))
      throw tusError('rate_limited', err.message)
    }
    if (err instanceof QuotaError) throw tusError('quota_exceeded', err.message)
    throw err
  }
}

/**
 * Before the multipart upload exists: checks the purpose's policy (method `tus`, filetype,
 * Upload-Length) and inserts the `pending` documents row. The metadata stays as the client sent
 * it (tus: HEAD returns it unchanged); the store takes the object's Content-Type from `filetype`.
 */
export function createOnUploadCreate(deps: Deps) {
  return async (req: Request, upload: Upload): Promise<{ metadata: Upload['metadata'] }> => {
    const user = await deps.requireUser(req)
    const meta = readMetadata(upload.metadata)
    const parts = parseUploadId(upload.id)
    if (!parts) throw new Error('upload id was not made by the naming function')
    try {
      checkUpload(deps.policies, {
        purpose: meta.purpose,
        contentType: meta.filetype,
        size: upload.size,
        method: 'tus',
      })
    } catch (err) {
      if (err instanceof PolicyError) throw policyRejection(err)
      throw err
    }
    await insertWithinLimits(deps, req, {
      id: parts.documentId,
      ownerId: user.id,
      purpose: meta.purpose,
      objectKey: upload.id,
      filename: sanitizeFilename(meta.filename),
      contentType: meta.filetype,
      // Deferred length: 0 until the client declares it; set on finish from Upload-Length.
      sizeBytes: upload.size ?? 0,
      method: 'tus',
      uploadRef: upload.id,
      expiresAt: new Date(Date.now() + deps.expirationPeriodInMilliseconds),
      declaredSha256: meta.sha256 ?? null,
    })
    // The 201 (or a later error) carries the document id; headers set on the Node response are
    // merged into the one @tus/server writes.
    nodeResponse(req)?.setHeader(DOCUMENT_ID_HEADER, parts.documentId)

    return { metadata: upload.metadata ?? {} }
  }
}

/** The Node response behind a srvx request, when running on Node. */
function nodeResponse(req: Request): { setHeader(name: string, value: string): void } | undefined {
  const runtime = (
    req as { runtime?: { node?: { res?: { setHeader(n: string, v: string): void } } } }
  ).runtime
  return runtime?.node?.res
}
