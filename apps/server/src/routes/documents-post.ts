import { createHash, randomUUID } from 'node:crypto'
import {
  AppError,
  type Authenticate,
  checkUpload,
  formatBytes,
  isSyncInspected,
  normalizeContentType,
  type Policies,
  policyFor,
  type Quotas,
  type RateLimit,
  sanitizeFilename,
  sha256Input,
} from '@uplink/core'
import { objectKey } from '@uplink/core/object-key'
import { type Database, type Document, transitionDocument } from '@uplink/db'
import { type Storage, stagingKey } from '@uplink/storage'
import {
  Inspection,
  insertPendingWithinLimits,
  inspectionRules,
  type Scanner,
  settleInspection,
  sha256Mismatch,
  toDocumentView,
  verifyUpload,
} from '@uplink/uploads'
import { type Request, type Response, Router } from 'express'
import type { Kysely } from 'kysely'
import type { Logger } from 'pino'
import { type FormFile, MAX_FORM_OVERHEAD_BYTES, readFormUpload } from '../http/form-upload.ts'

interface Deps {
  db: Kysely<Database>
  storage: Storage
  authenticate: Authenticate
  policies: Policies
  /** The virus scanner of synchronously inspected purposes. */
  scanner: Scanner | undefined
  expiries: { upload: number }
  quotas?: Quotas | undefined
  uploadRateLimit?: RateLimit | undefined
  /** Queues the content check of an asynchronously inspected upload. */
  onUploaded?: ((documentId: string) => Promise<void>) | undefined
  /** Upload metrics: started (row created), completed (inspected here), failed (refused). */
  count?:
    | ((event: 'started' | 'completed' | 'failed', purpose: string | undefined) => void)
    | undefined
  log: Logger
}

const PURPOSE_FIRST =
  'the form field "purpose" must come before the file part (the body is read once, in order): e.g. curl -F purpose=document -F file=@a.pdf'

const SHA256_FIELD =
  'form field "sha256" must be the base64 SHA-256 of the whole file (44 characters)'

/**
 * POST /documents — a plain `multipart/form-data` upload through the server (fields `purpose`,
 * then `file`; optional `sha256` before or after the file), for scripts and small files. The
 * bytes stream to S3 at the staging key while they are hashed. For a purpose with
 * `inspection: sync` they also stream through the inspector (type sniff, clamd, size limit)
 * and the answer is `201` with the `ready` document only once it passed; else 413/422 (or 503
 * when clamd cannot answer) and nothing is kept. Other purposes answer `201` with the
 * `uploaded` document and are checked afterwards. Either way a declared `sha256` is compared
 * once the form has ended, before the answer: a mismatch is a 422 and nothing is kept.
 */
export function documentsPostRoute(deps: Deps): Router {
  const router = Router()
  router.post('/documents', async (req: Request, res: Response) => {
    const user = await deps.authenticate(req.header('authorization'))
    if (!user) {
      res.setHeader('WWW-Authenticate', 'Bearer')
      throw new AppError('unauthorized')
    }
    const bound = Number(req.header('content-length') ?? Number.NaN)
    let purpose: string | undefined
    try {
      refuseLongForm(deps.policies, bound)
      const doc = await readFormUpload(req, (file) => {
        purpose = file.fields.purpose
        return receive(deps, user.id, file, bound)
      })
      // An `uploaded` one was counted as completed by onUploaded, like every other method.
      if (doc.status === 'ready') deps.count?.('completed', doc.purpose)
      res.status(201).json(toDocumentView(doc))
    } catch (err) {
      deps.count?.('failed', purpose)
      // Answered before the whole body was read: the connection cannot be reused.
      if (!req.complete) res.setHeader('Connection', 'close')
      throw err
    }
  })
  return router
}

/**
 * 413 before any byte is read when the Content-Length cannot be a form with an allowed file.
 * The purpose is a form field, known only once the body is read, so the bound is the largest
 * `maxBytes` of a purpose that allows `post`, plus the most a form carries besides its file.
 */
function refuseLongForm(policies: Policies, bound: number): void {
  const limits = Object.values(policies)
    .filter((policy) => policy.methods.includes('post'))
    .map((policy) => policy.maxBytes)
  // No purpose allows post: the policy check names that, once purpose is read.
  if (limits.length === 0) return
  const largest = Math.max(...limits)
  if (!(bound > largest + MAX_FORM_OVERHEAD_BYTES)) return
  throw new AppError(
    'content_too_large',
    `the form is ${bound} bytes: POST /documents takes files of at most ${formatBytes(largest)} (the largest limit of a purpose that allows post) plus ${formatBytes(MAX_FORM_OVERHEAD_BYTES)} of form; upload larger files with tus (/files) or a presigned upload, as the purpose allows`,
  )
}

async function receive(deps: Deps, ownerId: string, file: FormFile, bound: number) {
  const { purpose, sha256 } = file.fields
  if (!purpose) throw new AppError('bad_input', PURPOSE_FIRST)
  if (sha256 !== undefined && !sha256Input.safeParse(sha256).success) {
    throw new AppError('bad_input', SHA256_FIELD)
  }
  const contentType = normalizeContentType(file.mimeType)
  checkUpload(deps.policies, { purpose, contentType, size: undefined, method: 'post' })
  const { maxBytes } = policyFor(deps.policies, purpose)
  // A body longer than the limit plus any form's overhead holds a file over the limit.
  if (bound > maxBytes + MAX_FORM_OVERHEAD_BYTES) throw tooLarge(purpose, maxBytes)
  const id = randomUUID()
  const doc = await insertPendingWithinLimits(deps, {
    id,
    ownerId,
    purpose,
    objectKey: objectKey({ ownerId, purpose, documentId: id }),
    filename: sanitizeFilename(file.filename || 'upload'),
    contentType,
    // The request's length bounds the file's: quotas count at most that (or the policy max).
    sizeBytes: Number.isSafeInteger(bound) && bound > 0 ? Math.min(bound, maxBytes) : maxBytes,
    method: 'post',
    uploadRef: null,
    expiresAt: new Date(Date.now() + deps.expiries.upload * 1000),
    declaredSha256: sha256 ?? null,
  })
  deps.count?.('started', purpose)
  return isSyncInspected(deps.policies, purpose)
    ? receiveInspected(deps, doc, file)
    : receivePlain(deps, doc, file)
}

/** Streams the file to the staging key and through the inspection, then settles it. */
async function receiveInspected(deps: Deps, doc: Document, file: FormFile): Promise<Document> {
  const rules = inspectionRules(deps.policies, doc)
  const inspection = new Inspection(deps.scanner, rules.maxBytes)
  async function* inspected() {
    for await (const chunk of file.stream as AsyncIterable<Buffer>) {
      await inspection.write(chunk)
      if (inspection.size > rules.maxBytes) throw tooLarge(doc.purpose, rules.maxBytes)
      yield chunk
    }
  }
  let sha256: string | undefined
  try {
    await store(deps, doc, inspected())
    sha256 = await declaredSha256(deps, doc, file)
  } catch (err) {
    inspection.abort()
    throw err
  }
  const verdict = await inspection.end({ ...rules, sha256 })
  const ready = await settleInspection(deps, doc, verdict)
  deps.log.info({ documentId: doc.id, size: ready.sizeBytes }, 'upload inspected and stored')
  return ready
}

/** Streams the file to the staging key, then confirms it like a presigned upload. */
async function receivePlain(deps: Deps, doc: Document, file: FormFile): Promise<Document> {
  const { maxBytes } = policyFor(deps.policies, doc.purpose)
  const hash = createHash('sha256')
  let size = 0
  async function* limited() {
    for await (const chunk of file.stream as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > maxBytes) throw tooLarge(doc.purpose, maxBytes)
      hash.update(chunk)
      yield chunk
    }
  }
  await store(deps, doc, limited())
  const declared = await declaredSha256(deps, doc, file)
  const actual = hash.digest('base64')
  // Checked before the row can become `uploaded`: a mismatching body is never served.
  if (declared && declared !== actual) {
    const reason = sha256Mismatch(actual, declared)
    await discard(deps, doc, reason)
    throw new AppError('content_rejected', `upload rejected: ${reason}`)
  }
  return verifyUpload(deps, { ...doc, sizeBytes: size })
}

/**
 * The SHA-256 the client declared, before or after the file (generated OpenAPI clients send
 * fields in schema order, so it may follow the file): the form is read to its end first. A
 * form that fails after the file, or a malformed digest, keeps nothing.
 */
async function declaredSha256(deps: Deps, doc: Document, file: FormFile) {
  try {
    const { sha256 } = await file.ended
    if (sha256 !== undefined && !sha256Input.safeParse(sha256).success) {
      throw new AppError('bad_input', SHA256_FIELD)
    }
    return sha256
  } catch (err) {
    await discard(deps, doc, (err as Error).message)
    throw err
  }
}

const tooLarge = (purpose: string, maxBytes: number) =>
  new AppError(
    'content_too_large',
    `upload rejected: the file is over the ${formatBytes(maxBytes)} limit for purpose "${purpose}"`,
  )

/** The bytes to `staging/<key>`; a failure leaves no object and the row `rejected`. */
async function store(deps: Deps, doc: Document, body: AsyncIterable<Buffer>): Promise<void> {
  const key = stagingKey(doc.objectKey)
  try {
    await deps.storage.putStream({ key, contentType: doc.contentType, body })
  } catch (err) {
    const reason =
      err instanceof AppError
        ? err.message
        : 'the upload was cut short before the whole file arrived'
    await discard(deps, doc, reason)
    throw err
  }
}

/** Keeps nothing of a refused upload: the staged object is deleted, the row `rejected`. */
async function discard(deps: Deps, doc: Document, reason: string): Promise<void> {
  await deps.storage.delete(stagingKey(doc.objectKey)).catch(() => {})
  await transitionDocument(deps.db, doc.id, {
    to: 'rejected',
    from: ['pending'],
    set: { rejectionReason: reason },
  }).catch(() => {})
}
