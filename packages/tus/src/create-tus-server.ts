import { randomUUID } from 'node:crypto'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Server } from '@tus/server'
import type { Locker } from '@tus/utils'
import {
  type Authenticate,
  DEFAULT_PART_SIZE,
  defaultPolicies,
  isSyncInspected,
  type Logger,
  type Policies,
  policyFor,
  type Quotas,
  type RateLimit,
  silentLogger,
} from '@uplink/core'
import {
  type Database,
  type Document,
  documentByKeyStatement,
  documentFromRow,
  findDocumentByKey,
} from '@uplink/db'
import { createLeanS3, type Storage } from '@uplink/storage'
import { ChecksumTrust, type Scanner } from '@uplink/uploads'
import type { Kysely } from 'kysely'
import { finishInspected } from './hooks/finish-inspected.ts'
import { createNamingFunction } from './hooks/naming.ts'
import { createOnIncomingRequest } from './hooks/on-incoming-request.ts'
import { createOnUploadCreate, DOCUMENT_ID_HEADER } from './hooks/on-upload-create.ts'
import { createOnUploadFinish } from './hooks/on-upload-finish.ts'
import { createRequestUser } from './hooks/request-user.ts'
import { streamedCheck } from './hooks/streamed-check.ts'
import { LedgerBesideLock } from './locking/ledger-beside-lock.ts'
import { PgLocker } from './locking/pg-locker.ts'
import { knownAnswer } from './protocol/error-answers.ts'
import { tusError } from './protocol/errors.ts'
import { outageAnswer } from './protocol/outage-answers.ts'
import { UplinkTusServer } from './protocol/uplink-server.ts'
import { parseUploadId, uploadIdFromPath } from './protocol/upload-id.ts'
import { type CleanupResult, createCleanupExpired } from './store/cleanup-expired.ts'
import { partChecksumProbe } from './store/part-checksum-probe.ts'
import { createPgPartLedger, type PartLedger } from './store/part-ledger.ts'
import { UplinkS3Store } from './store/s3-store.ts'
import { SyncInspections } from './store/sync-inspections.ts'
import { createTermination } from './store/termination.ts'

export interface TusServerOptions {
  storage: Storage
  db: Kysely<Database>
  /** Verifies `Authorization: Bearer …`; resolves undefined for anything invalid. */
  authenticate: Authenticate
  /** Upload policies per purpose (default: `defaultPolicies`). */
  policies?: Policies
  /** Route the server is mounted on (default `/files`). */
  path?: string
  /** Preferred S3 part size (default 16 MiB; S3 allows 5 MiB–5 GiB). */
  partSize?: number
  /** Smallest part sent as a real part (default 5 MiB); set it to partSize for R2, which wants equal parts. */
  minPartSize?: number
  /** Part uploads to S3 in flight at once across this process (default 16). */
  maxConcurrentPartUploads?: number
  /**
   * Parts of one upload being filled or sent at once (default 4); each is a buffer in memory
   * (see `partMemoryBytes`) or a part file on disk.
   */
  partsPerUpload?: number
  /**
   * Bytes of parts this process holds in memory while they fill and are sent, across all
   * uploads (default 0: every part is a temp file). No disk write and read back per part; a
   * part that finds no room goes to a temp file, so memory stays bounded.
   */
  partMemoryBytes?: number
  /** Tag info objects for lifecycle rules (default true); R2 has no object tags, so set false there. */
  useTags?: boolean
  /** How long an unfinished upload lives (default 24 h). */
  expirationPeriodInMilliseconds?: number
  /** Trust Forwarded / X-Forwarded-* for the Location header (behind a proxy). */
  respectForwardedHeaders?: boolean
  /** Accept Upload-Defer-Length up to this many bytes; refused (400) when unset. */
  maxDeferredLength?: number
  /** Directory for part buffers (default `<os tmpdir>/uplink-tus`). */
  tempDir?: string
  /** Origins answered with CORS headers (default: none, never `*`). */
  allowedOrigins?: string[]
  /** Where acknowledged parts are recorded (default: the `tus_parts` table). */
  ledger?: PartLedger
  /** Send parts with SHA-256 checksums S3 verifies (default: the storage config's `checksums`). */
  checksums?: boolean
  /**
   * The store's hot S3 calls (parts, creation, completion, heads, ListParts) through the lean
   * client (`lean`, the default: no SDK middleware pipeline per call) or all through the AWS SDK
   * (`sdk`, the escape hatch for a store the lean client mishandles).
   */
  s3Client?: 'lean' | 'sdk' | undefined
  /** Replace the Postgres advisory locker (e.g. an in-process one). */
  locker?: Locker
  /** How long a request waits for another request on the same upload (default 20 s). */
  lockTimeoutMs?: number
  /** PgLocker `unlockLingerMs`: how long a completed upload's unlock may wait to ride along. */
  unlockLingerMs?: number
  /**
   * This process is the only one serving tus on its database: uploads are locked in process,
   * with no Postgres round trip per request; a second instance is refused (PgLocker
   * `single-instance`). Default false: advisory locks, for any number of instances.
   */
  singleInstance?: boolean
  /** The Postgres URL, for the cross-instance lock release channel (LISTEN/NOTIFY). */
  databaseUrl?: string
  log?: Logger
  /** Optional instrumentation: told each tus lock's wait in seconds. */
  metrics?: { lockWaitSeconds(seconds: number): void } | undefined
  /** Called once an upload's document has become `uploaded` (e.g. to queue content checks). */
  onUploaded?: (documentId: string) => Promise<void>
  /** Per-user quotas checked at creation (403 when exceeded; none when absent). */
  quotas?: Quotas
  /** Limit on upload creations per user, shared with the API (429 + Retry-After). */
  rateLimit?: RateLimit
  /** The virus scanner of purposes with `inspection: sync` (their PATCHes stream into it). */
  scanner?: Scanner | undefined
  /**
   * Whether the store refuses wrong part checksums, so an `async` purpose's content check may
   * come from the PATCH stream (default: probed once with a wrong checksum; see ChecksumTrust).
   */
  checksumTrust?: ChecksumTrust | undefined
}

export interface TusServer {
  /** Mount with `app.all([path, `${path}/*splat`], (req, res) => server.handle(req, res))`. */
  server: Server
  store: UplinkS3Store
  locker: Locker
  /** Removes expired unfinished uploads from S3 and marks their rows `expired`. */
  cleanupExpired(now?: Date): Promise<CleanupResult>
  /** The in-process inspections of uploads of purposes with `inspection: sync`. */
  inspections: SyncInspections
  /** Releases the lock session's connection; call before `db.destroy()`. */
  close(): Promise<void>
}

/**
 * The tus 1.0 endpoint (creation, creation-with-upload, termination, expiration) on S3
 * multipart: bearer auth and ownership on every request, purpose policies at creation, one
 * `documents` row per upload, HeadObject verification at the end.
 */
export function createTusServer(options: TusServerOptions): TusServer {
  const {
    storage,
    db,
    path = '/files',
    policies = defaultPolicies,
    expirationPeriodInMilliseconds = 24 * 60 * 60 * 1000,
    log = silentLogger,
  } = options
  const requireUser = createRequestUser(options.authenticate)
  const locker =
    options.locker ??
    new PgLocker({
      db,
      log,
      ...(options.metrics
        ? { onLockWait: (s: number) => options.metrics?.lockWaitSeconds(s) }
        : {}),
      ...(options.lockTimeoutMs ? { acquireTimeoutMs: options.lockTimeoutMs } : {}),
      ...(options.unlockLingerMs ? { unlockLingerMs: options.unlockLingerMs } : {}),
      ...(options.singleInstance ? { mode: 'single-instance' as const } : {}),
      ...(options.databaseUrl?.startsWith('postgres')
        ? { connectionString: options.databaseUrl }
        : {}),
    })
  const allowDeferredLength = options.maxDeferredLength !== undefined
  const checksums = options.checksums ?? storage.config.checksums ?? true
  // Signed with the storage's provider: static keys, or the refreshed chain the presigner uses.
  const lean =
    options.s3Client === 'sdk' ? undefined : createLeanS3(storage.config, storage.credentials)
  // Whether a digest taken from the PATCH stream may stand for the stored bytes (probed lazily,
  // in the parts' algorithm through the client that sends them).
  const probe = partChecksumProbe(
    lean ?? createLeanS3(storage.config, storage.credentials),
    storage.bucket,
  )
  const trust = options.checksumTrust ?? new ChecksumTrust({ checksums, probe, log })
  const inspections = new SyncInspections({
    policies,
    scanner: options.scanner,
    streamAsync: () => {
      if (trust.known === undefined) void trust.trusted()
      return trust.known !== false
    },
  })

  // The tus_parts ledger, whose first read in a PATCH can ride in its lock's round trip.
  const pgLedger = options.ledger ? undefined : new LedgerBesideLock(createPgPartLedger(db))
  const store = new UplinkS3Store({
    lean,
    partSize: options.partSize ?? DEFAULT_PART_SIZE,
    ...(options.minPartSize ? { minPartSize: options.minPartSize } : {}),
    maxConcurrentPartUploads: options.maxConcurrentPartUploads ?? 16,
    partsPerUpload: options.partsPerUpload ?? 4,
    partMemoryBytes: options.partMemoryBytes,
    useTags: options.useTags ?? true,
    expirationPeriodInMilliseconds,
    tempDir: options.tempDir ?? join(tmpdir(), 'uplink-tus'),
    ledger: options.ledger ?? pgLedger ?? createPgPartLedger(db),
    checksums,
    maxDeferredLength: options.maxDeferredLength,
    allowDeferredLength,
    inspections,
    termination: createTermination(db),
    s3ClientConfig: {
      bucket: storage.bucket,
      region: storage.config.region,
      ...(storage.config.endpoint ? { endpoint: storage.config.endpoint } : {}),
      // The storage's provider: static keys, or the refreshed chain the presigner also uses.
      credentials: storage.credentials,
      forcePathStyle: storage.config.forcePathStyle,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    },
  })

  const finish = (doc: Parameters<typeof finishInspected>[1], id: string, size: number) =>
    finishInspected(
      {
        db,
        storage,
        policies,
        scanner: options.scanner,
        inspections,
        trusted: () => trust.trusted(),
        forget: (uploadId) => store.forgetFinished(uploadId),
        log,
      },
      doc,
      id,
      size,
    )

  const tusMaxBytes = Math.max(
    0,
    ...Object.values(policies)
      .filter((p) => p.methods.includes('tus'))
      .map((p) => p.maxBytes),
  )

  const server = new UplinkTusServer({
    path,
    datastore: store,
    locker,
    allowDeferredLength,
    respectForwardedHeaders: options.respectForwardedHeaders ?? false,
    corsOrigins: options.allowedOrigins ?? [],
    // A browser may send Upload-Checksum and read the checksum and auth headers.
    allowedHeaders: ['Upload-Checksum'],
    exposedHeaders: [
      DOCUMENT_ID_HEADER,
      'Tus-Checksum-Algorithm',
      'WWW-Authenticate',
      'Retry-After',
    ],
    // tus: the Location "MAY be absolute or relative"; relative never trusts the client's Host.
    generateUrl: (_req, { path: base, id }) => `${base}/${id}`,
    getFileIdFromRequest: (req) => uploadIdFromPath(path, new URL(req.url).pathname),
    namingFunction: createNamingFunction({ requireUser, policies }),
    // Sizes with Upload-Length are checked by the policy in onUploadCreate (clear 413 body);
    // this bound applies to deferred lengths and to Tus-Max-Size in OPTIONS.
    maxSize: (req, id) => {
      if (!id) return tusMaxBytes
      if (req.method === 'POST' && req.headers.get('upload-defer-length') === null) return 0
      const purpose = parseUploadId(id)?.purpose
      const policyMax = purpose ? safePolicyMax(policies, purpose) : 0
      return Math.min(
        policyMax || tusMaxBytes,
        options.maxDeferredLength ?? Number.MAX_SAFE_INTEGER,
      )
    },
    onIncomingRequest: createOnIncomingRequest({
      db,
      requireUser,
      ...(locker instanceof PgLocker
        ? { findDocument: documentBesideLock(db, locker, pgLedger) }
        : {}),
    }),
    onUploadCreate: createOnUploadCreate({
      db,
      policies,
      requireUser,
      expirationPeriodInMilliseconds,
      quotas: options.quotas,
      rateLimit: options.rateLimit,
    }),
    onUploadFinish: createOnUploadFinish({
      db,
      storage,
      policies,
      log,
      ...(options.onUploaded ? { onUploaded: options.onUploaded } : {}),
      finishInspected: finish,
      streamedCheck: (doc, id, size) =>
        streamedCheck({ policies, inspections, trust }, doc, id, size),
    }),
    // A client resuming after a lost final answer sees a complete upload in HEAD and sends
    // no PATCH: an inspected purpose's upload is settled before HEAD says so.
    beforeCompleteHead: async (id) => {
      const purpose = parseUploadId(id)?.purpose
      if (!purpose || !isSyncInspected(policies, purpose)) return
      const doc = await findDocumentByKey(db, id)
      if (doc?.status === 'rejected') {
        throw tusError(
          'content_rejected',
          `upload rejected: ${doc.rejectionReason ?? 'see the document'}`,
        )
      }
      if (doc?.status !== 'pending') return
      const upload = await store.getUpload(id)
      await finish(doc, id, upload.size ?? doc.sizeBytes)
    },
    onResponseError: (req, err) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOSPC') {
        log.error({ err }, 'tus temp dir is full')
        return tusError(
          'insufficient_storage',
          'the server has no disk space to buffer this upload right now; retry later, the upload resumes where it stopped',
        )
      }
      const known = knownAnswer(err)
      if (known) {
        if (known.status_code >= 500) log.error({ err, method: req.method }, 'tus request failed')
        return known
      }
      const answer = outageAnswer(err)
      if (answer) {
        log.warn({ err, method: req.method, status: answer.status_code }, 'tus request refused')
        return answer
      }
      // Unknown errors: details in the log, a request id in the response.
      const requestId = randomUUID()
      log.error({ err, requestId, method: req.method, url: req.url }, 'tus request failed')
      return tusError('internal_error', `internal error (request id ${requestId})`)
    },
  })

  return {
    server,
    store,
    locker,
    inspections,
    close: async () => {
      lean?.destroy()
      if (locker instanceof PgLocker) await locker.close()
    },
    cleanupExpired: createCleanupExpired({
      db,
      store,
      storage,
      locker,
      log,
      expirationPeriodInMilliseconds,
    }),
  }
}

/**
 * The ownership check's read of an upload's document, sent in the round trip that starts taking
 * the upload's advisory lock (after the lock statement), and with it the part ledger for the
 * store's first read of it (see LedgerBesideLock); through the pool when no advisory lock is
 * tried (in-process modes, an outage of the lock session).
 */
function documentBesideLock(
  db: Kysely<Database>,
  locker: PgLocker,
  ledger: LedgerBesideLock | undefined,
) {
  return async (id: string): Promise<Document | undefined> => {
    const ahead = ledger?.readAhead(id)
    const tried = await locker.lockAhead(id, [
      documentByKeyStatement(id),
      ...(ahead ? [ahead.statement] : []),
    ])
    if (!tried) return findDocumentByKey(db, id)
    if (ahead) ahead.keep(tried.rows[1] ?? [], tried.held)
    const row = tried.rows[0]?.[0] as Record<string, unknown> | undefined
    return row ? documentFromRow(row) : undefined
  }
}

function safePolicyMax(policies: Policies, purpose: string): number {
  try {
    return policyFor(policies, purpose).maxBytes
  } catch {
    return 0
  }
}
