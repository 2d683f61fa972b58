import {
  DEFAULT_PART_SIZE,
  defaultPolicies,
  defaultQuotas,
  MULTIPART_LIMITS,
  type Policies,
  policiesSchema,
  type Quotas,
} from '@uplink/core'
import { DEFAULT_SCAN_MAX_BYTES } from '@uplink/events'
import type { Credentials } from '@uplink/storage'
import { z } from 'zod'
import { type CdnConfig, resolveCdnConfig } from './env-cdn.ts'
import { parseTrustProxy, type TrustProxy } from './trust-proxy.ts'

export type Mode = 'development' | 'production'

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')
const seconds = z.coerce.number().int()
const MiB = 1024 * 1024
const bytes = z.coerce.number().int().positive()
/** A quota: a whole number, 0 turns it off. */
const quota = z.coerce.number().int().min(0)
/** "N/S": at most N per S seconds, or "off" (the default applies to the text, before parsing). */
const rate = (fallback: string) =>
  z
    .string()
    .regex(/^(off|\d+\/\d+)$/, 'must be N/SECONDS (e.g. 30/10) or off')
    .default(fallback)
    .transform((text) => {
      if (text === 'off') return undefined
      const [points, durationSeconds] = text.split('/').map(Number) as [number, number]
      return { points, durationSeconds }
    })
    .refine((r) => !r || (r.points > 0 && r.durationSeconds > 0), 'N and SECONDS must be > 0')

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  UPLINK_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|pglite:)/, 'must be postgres://… or pglite:<dir>')
    .optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().positive().default(50),
  S3_ENDPOINT: z.url().optional(),
  S3_REGION: z.string().default('us-east-1'),
  S3_BUCKET: z.string().min(3).default('uplink'),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_SESSION_TOKEN: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: bool.optional(),
  S3_USE_TAGS: bool.default(true),
  S3_CHECKSUMS: bool.default(true),
  UPLINK_JWT_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  UPLINK_JWKS_URL: z.url().optional(),
  UPLINK_JWT_ISSUER: z.string().optional(),
  UPLINK_JWT_AUDIENCE: z.string().optional(),
  UPLINK_UPLOAD_URL_TTL: seconds.min(60).max(900).default(600),
  UPLINK_DOWNLOAD_URL_TTL: seconds.min(1).max(900).default(120),
  UPLINK_CDN_COOKIE_TTL: seconds.min(1).max(3600).default(600),
  UPLINK_PUBLIC_URL: z
    .url({ protocol: /^https?$/ })
    .refine((u) => !/[?#]/.test(u), 'must have no query or fragment')
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  UPLINK_CDN_URL: z
    .url({ protocol: /^https?$/ })
    .refine((u) => !/[?#]/.test(u), 'must have no query or fragment')
    .transform((u) => u.replace(/\/+$/, ''))
    .optional(),
  UPLINK_CDN_COOKIE_DOMAIN: z
    .string()
    .regex(/^\.?[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/i, 'must be a domain name, e.g. example.com')
    .optional(),
  UPLINK_CLOUDFRONT_KEY_PAIR_ID: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,128}$/, 'must be a CloudFront public key id, e.g. K2JCJMDEHXQW5F')
    .optional(),
  UPLINK_CLOUDFRONT_PRIVATE_KEY: z.string().min(1).optional(),
  UPLINK_CLOUDFRONT_PUBLIC_KEY: z.string().min(1).optional(),
  UPLINK_POLICIES: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' })
        return z.NEVER
      }
    })
    .pipe(policiesSchema)
    .optional(),
  UPLINK_TRUST_PROXY: z
    .string()
    .default('false')
    .transform((text, ctx) => {
      const trust = parseTrustProxy(text)
      if (typeof trust === 'object' && 'error' in trust) {
        ctx.addIssue({ code: 'custom', message: trust.error })
        return z.NEVER
      }
      return trust
    }),
  UPLINK_DRAIN_DELAY_SECONDS: z.coerce.number().min(0).max(300).default(0),
  UPLINK_DRAIN_TIMEOUT_SECONDS: z.coerce.number().min(0).max(3600).default(10),
  UPLINK_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  UPLINK_TUS_PART_SIZE: bytes.min(MULTIPART_LIMITS.minPartSize).default(DEFAULT_PART_SIZE),
  UPLINK_TUS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  UPLINK_TUS_MAX_PART_UPLOADS: z.coerce.number().int().min(1).max(1024).default(16),
  UPLINK_TUS_TEMP_DIR: z.string().optional(),
  // Parts held in memory instead of temp files, across all uploads (0: always temp files).
  UPLINK_TUS_PART_MEMORY: z.coerce
    .number()
    .int()
    .min(0)
    .default(256 * MiB),
  UPLINK_TUS_EXPIRY_HOURS: z.coerce.number().positive().default(24),
  // The tus store's hot S3 calls: the lean client, or (escape hatch) all through the AWS SDK.
  UPLINK_TUS_S3_CLIENT: z.enum(['lean', 'sdk']).default('lean'),
  UPLINK_TUS_MAX_DEFERRED_LENGTH: bytes.optional(),
  // One server process on the database: tus locks in process (a second instance is refused).
  UPLINK_TUS_SINGLE_INSTANCE: bool.default(false),
  UPLINK_CLEANUP_INTERVAL_MINUTES: z.coerce.number().min(0).default(0),
  UPLINK_S3_EVENTS_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  UPLINK_SQS_QUEUE_URL: z.url().optional(),
  UPLINK_SQS_ENDPOINT: z.url().optional(),
  UPLINK_SQS_REGION: z.string().optional(),
  UPLINK_CLAMD: z.string().min(1).optional(),
  UPLINK_SCAN_MAX_BYTES: bytes.default(DEFAULT_SCAN_MAX_BYTES),
  UPLINK_FFPROBE_PATH: z.string().min(1).default('ffprobe'),
  UPLINK_FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  UPLINK_JOB_LEASE_SECONDS: z.coerce.number().int().min(1).default(30),
  UPLINK_WORKER: bool.default(true),
  UPLINK_RECONCILE_INTERVAL_MINUTES: z.coerce.number().min(0).default(10),
  UPLINK_ORPHAN_GRACE_HOURS: z.coerce.number().min(0).default(24),
  UPLINK_MULTIPART_MAX_AGE_HOURS: z.coerce.number().min(0).default(24),
  UPLINK_DOWNLOAD_REQUIRES_READY: bool.optional(),
  UPLINK_DOWNLOAD_MODE: z
    .enum(['redirect', 'stream'], { message: 'must be redirect or stream' })
    .default('redirect'),
  UPLINK_QUOTA_PENDING_UPLOADS: quota.default(defaultQuotas.pendingUploads),
  UPLINK_QUOTA_UNFINISHED_UPLOADS: quota.default(defaultQuotas.unfinishedUploads),
  UPLINK_QUOTA_BYTES_IN_FLIGHT: quota.default(defaultQuotas.bytesInFlight),
  UPLINK_QUOTA_STORED_BYTES_PER_PURPOSE: quota.default(defaultQuotas.storedBytesPerPurpose),
  UPLINK_RATE_LIMIT_UPLOADS: rate('30/10'),
  UPLINK_METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  UPLINK_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  UPLINK_WEB_ORIGINS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .default([]),
})

export type Env = z.infer<typeof schema>

export interface Config {
  mode: Mode
  port: number
  host: string
  /** Server processes sharing the port (node:cluster); production only. */
  processes: number
  logLevel: Env['LOG_LEVEL']
  /** Undefined only in development, where an embedded PGlite is used. */
  databaseUrl: string | undefined
  databasePoolSize: number
  /**
   * Undefined only in development without S3_ENDPOINT or keys, where an embedded versitygw is
   * started.
   */
  s3:
    | {
        endpoint: string | undefined
        region: string
        bucket: string
        /** Static keys; undefined: the AWS SDK's default credential chain (roles, SSO, IRSA…). */
        credentials: Credentials | undefined
        forcePathStyle: boolean
        useTags: boolean
      }
    | undefined
  bucket: string
  region: string
  /**
   * SHA-256 on every presigned part and PUT, verified by the store. Off only for a store that
   * cannot take `x-amz-checksum-sha256` (S3_CHECKSUMS=false): parts are then checked by size.
   */
  s3Checksums: boolean
  auth: { jwtSecret?: string; jwksUrl?: string; issuer?: string; audience?: string }
  /** Lifetimes in seconds: upload and download URLs, gallery cookies. */
  expiries: { upload: number; download: number; gallery: number }
  /** CloudFront signed cookies (documents.galleryAccess) and the /cdn verifier. */
  cdn: CdnConfig
  /** `/documents/:id/download`: 302 to a signed GET, or the bytes streamed by the server. */
  downloadMode: 'redirect' | 'stream'
  policies: Policies
  /** Who may speak for the client in X-Forwarded-* (see trust-proxy.ts). */
  trustProxy: TrustProxy
  /** A connection that moves no bytes for this long is closed (slow or stalled clients). */
  idleTimeoutSeconds: number
  /** SIGTERM: `/readyz` is 503 this long before the listener closes, then requests get `timeout`. */
  drain: { delaySeconds: number; timeoutSeconds: number }
  tus: {
    partSize: number
    maxConcurrentPartUploads: number
    partsPerUpload: number
    /** Bytes of parts held in memory (the rest go to temp files). */
    partMemoryBytes: number
    tempDir: string | undefined
    expirationPeriodInMilliseconds: number
    /** The only process serving tus on this database: in-process upload locks. */
    singleInstance: boolean
    maxDeferredLength: number | undefined
    cleanupIntervalMinutes: number
    useTags: boolean
    /** `lean`: the store's hot S3 calls without the SDK pipeline; `sdk`: all through the SDK. */
    s3Client: 'lean' | 'sdk'
  }
  webOrigins: string[]
  /** The URL clients reach this server at (`servers` of /api/openapi.json); never from a request. */
  publicUrl: string | undefined
  /**
   * `/metrics`: on the main port behind `Authorization: Bearer <token>`, and/or open on a port of
   * its own; with neither, /metrics answers 404.
   */
  metrics: { token: string | undefined; port: number | undefined }
  /** Per-user quotas, checked whenever an upload starts (0 = off). */
  quotas: Quotas
  /** Upload starts per user (presign, multipart.create, tus POST), shared by all instances. */
  uploadRateLimit: { points: number; durationSeconds: number } | undefined
  events: {
    /** Shared secret of POST /hooks/s3-events; the route is off without one. */
    webhookSecret: string | undefined
    sqs: { queueUrl: string; endpoint: string | undefined; region: string } | undefined
    worker: boolean
    clamd: string | undefined
    /** Objects larger than this are not sent to clamd (they become `ready` with a scan note). */
    scanMaxBytes: number
    /** ffprobe and ffmpeg (paths or names on PATH) for video facts and posters; missing → skipped. */
    video: { ffprobePath: string; ffmpegPath: string }
    /** A claimed job's lease, renewed while it runs; a dead worker's job is reclaimed after it. */
    jobLeaseMs: number
    reconcileIntervalMinutes: number
    orphanGraceMs: number
    multipartMaxAgeMs: number
    /** Only `ready` documents may be downloaded (default: when a scanner is configured). */
    downloadRequiresReady: boolean
  }
}

/** A configuration error that names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
}

/**
 * Parses the environment once (the only reader of process.env) and fails fast naming the
 * variable. Production needs real Postgres, S3 and auth settings; development has defaults.
 */
export function loadConfig(mode: Mode, source: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = schema.safeParse(source)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`)
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`)
  }
  const env = parsed.data
  const missing: string[] = []
  if (mode === 'production') {
    if (!env.DATABASE_URL) missing.push('DATABASE_URL')
    if (!env.UPLINK_JWT_SECRET && !env.UPLINK_JWKS_URL)
      missing.push('UPLINK_JWT_SECRET or UPLINK_JWKS_URL')
  }
  // Static keys come as a pair (a session token only with them); without any, the AWS SDK's
  // default credential chain signs.
  const staticKeys = Boolean(
    env.S3_ACCESS_KEY_ID || env.S3_SECRET_ACCESS_KEY || env.S3_SESSION_TOKEN,
  )
  if (staticKeys) {
    if (!env.S3_ACCESS_KEY_ID) missing.push('S3_ACCESS_KEY_ID')
    if (!env.S3_SECRET_ACCESS_KEY) missing.push('S3_SECRET_ACCESS_KEY')
  }
  const hasS3 = Boolean(env.S3_ENDPOINT || staticKeys) || mode === 'production'
  const cdn = resolveCdnConfig(mode, env)
  if (cdn.invalid.length) {
    throw new ConfigError(`invalid configuration:\n${cdn.invalid.map((l) => `  ${l}`).join('\n')}`)
  }
  missing.push(...cdn.missing)
  if (missing.length) {
    throw new ConfigError(
      `invalid configuration: set ${missing.join(', ')} (see docs/configuration.md)`,
    )
  }
  if (env.UPLINK_TUS_SINGLE_INSTANCE && env.UPLINK_PROCESSES > 1) {
    throw new ConfigError(
      'invalid configuration: UPLINK_TUS_SINGLE_INSTANCE=true needs UPLINK_PROCESSES=1 (each process is an instance)',
    )
  }
  const policies = env.UPLINK_POLICIES ?? defaultPolicies
  checkSyncInspection(policies, env.UPLINK_CLAMD, env.UPLINK_SCAN_MAX_BYTES)
  return Object.freeze({
    mode,
    port: env.PORT,
    host: env.HOST,
    processes: env.UPLINK_PROCESSES,
    logLevel: env.LOG_LEVEL,
    databaseUrl: env.DATABASE_URL,
    databasePoolSize: env.DATABASE_POOL_SIZE,
    s3: hasS3
      ? {
          endpoint: env.S3_ENDPOINT,
          region: env.S3_REGION,
          bucket: env.S3_BUCKET,
          credentials:
            env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY
              ? {
                  accessKeyId: env.S3_ACCESS_KEY_ID,
                  secretAccessKey: env.S3_SECRET_ACCESS_KEY,
                  ...(env.S3_SESSION_TOKEN ? { sessionToken: env.S3_SESSION_TOKEN } : {}),
                }
              : undefined,
          forcePathStyle: env.S3_FORCE_PATH_STYLE ?? Boolean(env.S3_ENDPOINT),
          useTags: env.S3_USE_TAGS,
        }
      : undefined,
    bucket: env.S3_BUCKET,
    region: env.S3_REGION,
    s3Checksums: env.S3_CHECKSUMS,
    auth: {
      ...(env.UPLINK_JWT_SECRET ? { jwtSecret: env.UPLINK_JWT_SECRET } : {}),
      ...(env.UPLINK_JWKS_URL ? { jwksUrl: env.UPLINK_JWKS_URL } : {}),
      ...(env.UPLINK_JWT_ISSUER ? { issuer: env.UPLINK_JWT_ISSUER } : {}),
      ...(env.UPLINK_JWT_AUDIENCE ? { audience: env.UPLINK_JWT_AUDIENCE } : {}),
    },
    expiries: {
      upload: env.UPLINK_UPLOAD_URL_TTL,
      download: env.UPLINK_DOWNLOAD_URL_TTL,
      gallery: env.UPLINK_CDN_COOKIE_TTL,
    },
    cdn: cdn.config,
    downloadMode: env.UPLINK_DOWNLOAD_MODE,
    policies,
    trustProxy: env.UPLINK_TRUST_PROXY,
    idleTimeoutSeconds: env.UPLINK_IDLE_TIMEOUT_SECONDS,
    drain: {
      delaySeconds: env.UPLINK_DRAIN_DELAY_SECONDS,
      timeoutSeconds: env.UPLINK_DRAIN_TIMEOUT_SECONDS,
    },
    tus: {
      partSize: env.UPLINK_TUS_PART_SIZE,
      partsPerUpload: env.UPLINK_TUS_CONCURRENCY,
      partMemoryBytes: env.UPLINK_TUS_PART_MEMORY,
      maxConcurrentPartUploads: env.UPLINK_TUS_MAX_PART_UPLOADS,
      tempDir: env.UPLINK_TUS_TEMP_DIR,
      expirationPeriodInMilliseconds: env.UPLINK_TUS_EXPIRY_HOURS * 3600_000,
      singleInstance: env.UPLINK_TUS_SINGLE_INSTANCE,
      maxDeferredLength: env.UPLINK_TUS_MAX_DEFERRED_LENGTH,
      cleanupIntervalMinutes: env.UPLINK_CLEANUP_INTERVAL_MINUTES,
      useTags: env.S3_USE_TAGS,
      s3Client: env.UPLINK_TUS_S3_CLIENT,
    },
    webOrigins: env.UPLINK_WEB_ORIGINS,
    publicUrl: env.UPLINK_PUBLIC_URL,
    metrics: { token: env.UPLINK_METRICS_TOKEN, port: env.UPLINK_METRICS_PORT },
    quotas: {
      pendingUploads: env.UPLINK_QUOTA_PENDING_UPLOADS,
      unfinishedUploads: env.UPLINK_QUOTA_UNFINISHED_UPLOADS,
      bytesInFlight: env.UPLINK_QUOTA_BYTES_IN_FLIGHT,
      storedBytesPerPurpose: env.UPLINK_QUOTA_STORED_BYTES_PER_PURPOSE,
    },
    uploadRateLimit: env.UPLINK_RATE_LIMIT_UPLOADS,
    events: {
      webhookSecret: env.UPLINK_S3_EVENTS_SECRET,
      sqs: env.UPLINK_SQS_QUEUE_URL
        ? {
            queueUrl: env.UPLINK_SQS_QUEUE_URL,
            endpoint: env.UPLINK_SQS_ENDPOINT,
            region: env.UPLINK_SQS_REGION ?? env.S3_REGION,
          }
        : undefined,
      worker: env.UPLINK_WORKER,
      clamd: env.UPLINK_CLAMD,
      scanMaxBytes: env.UPLINK_SCAN_MAX_BYTES,
      video: { ffprobePath: env.UPLINK_FFPROBE_PATH, ffmpegPath: env.UPLINK_FFMPEG_PATH },
      jobLeaseMs: env.UPLINK_JOB_LEASE_SECONDS * 1000,
      reconcileIntervalMinutes: env.UPLINK_RECONCILE_INTERVAL_MINUTES,
      orphanGraceMs: env.UPLINK_ORPHAN_GRACE_HOURS * 3600_000,
      multipartMaxAgeMs: env.UPLINK_MULTIPART_MAX_AGE_HOURS * 3600_000,
      downloadRequiresReady: env.UPLINK_DOWNLOAD_REQUIRES_READY ?? Boolean(env.UPLINK_CLAMD),
    },
  })
}

/**
 * A purpose with `inspection: sync` is refused unless every upload can be scanned: clamd must
 * be configured, and its maxBytes must fit what clamd takes (UPLINK_SCAN_MAX_BYTES).
 */
function checkSyncInspection(policies: Policies, clamd: string | undefined, scanMax: number) {
  for (const [purpose, policy] of Object.entries(policies)) {
    if (policy.inspection !== 'sync') continue
    if (!clamd) {
      throw new ConfigError(
        `invalid configuration: UPLINK_POLICIES purpose "${purpose}" has inspection "sync", which needs a virus scanner; set UPLINK_CLAMD`,
      )
    }
    if (policy.maxBytes > scanMax) {
      throw new ConfigError(
        `invalid configuration: UPLINK_POLICIES purpose "${purpose}" has inspection "sync" and maxBytes ${policy.maxBytes}, over UPLINK_SCAN_MAX_BYTES (${scanMax}); lower maxBytes or raise UPLINK_SCAN_MAX_BYTES (and clamd's StreamMaxLength)`,
      )
    }
  }
}
