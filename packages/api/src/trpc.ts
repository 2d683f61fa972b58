import { initTRPC, TRPCError } from '@trpc/server'
import type { MiddlewareResult } from '@trpc/server/unstable-core-do-not-import'
import {
  AppError,
  ERROR_CATALOGUE,
  type Logger,
  type Policies,
  type Quotas,
  type RateLimit,
  toAppError,
} from '@uplink/core'
import type { Database, Document } from '@uplink/db'
import type { Storage } from '@uplink/storage'
import type { GallerySigner } from '@uplink/uploads'
import type { Kysely } from 'kysely'
import { ZodError } from 'zod'
import type { Authenticate, User } from './auth.ts'
import { toErrorBody } from './error-body.ts'

/** Everything procedures need, built once per process and shared by every request. */
export interface ApiDeps {
  db: Kysely<Database>
  storage: Storage
  policies: Policies
  authenticate: Authenticate
  /** Signed URL lifetimes in seconds (validated by @uplink/storage); gallery cookies' too. */
  expiries: { upload: number; download: number; gallery?: number }
  /** CloudFront signed cookies for galleries (`documents.galleryAccess`); absent: off. */
  gallery?: GalleryConfig | undefined
  /** The API never logs signed URLs. */
  log: Logger
  /** Statuses that may be downloaded (default `uploaded` and `ready`). */
  downloadable?: readonly Document['status'][]
  /** Called once a document has become `uploaded` (queues its content checks). */
  onUploaded?: ((documentId: string) => Promise<void>) | undefined
  /** Per-user quotas checked before any upload starts (none when absent). */
  quotas?: Quotas | undefined
  /** Shared limit on upload starts per user (presignPut, presignPost, multipart.create). */
  uploadRateLimit?: RateLimit | undefined
  /**
   * Told about every procedure call once it has ended (metrics). `input` is the raw input and
   * `output` the result; a hook must not log or keep them (outputs hold signed URLs).
   */
  onProcedure?: ((call: ProcedureCall) => void) | undefined
}

/** How `documents.galleryAccess` signs. */
export interface GalleryConfig {
  signer: GallerySigner
  /** The CDN URL (`https://cdn.example.com`); undefined: `<request origin>/cdn` (dev). */
  cdnUrl: string | undefined
  /**
   * What the policy's Resource begins with: the CDN URL, or in development the /cdn verifier's
   * fixed URL. From configuration only: a Host header never widens what cookies grant.
   */
  resourceBase: string
  /** The cookies' `Domain`; undefined: the CDN host, or none when the API is on that host. */
  cookieDomain: string | undefined
}

/** One ended procedure call, as `ApiDeps.onProcedure` sees it. */
export interface ProcedureCall {
  path: string
  ok: boolean
  /** tRPC error code when `ok` is false. */
  code: string | undefined
  seconds: number
  input: unknown
  output: unknown
}

export interface Context extends Omit<ApiDeps, 'authenticate'> {
  user: User | undefined
  /** Adds a `Set-Cookie` header to the response (HTTP adapters; absent for `createCaller`). */
  setCookie?: ((serialized: string) => void) | undefined
  /** `<scheme>://<host>` the request was addressed to (HTTP adapters only). */
  requestOrigin?: string | undefined
  /** The request's id (HTTP adapters), quoted in error bodies. */
  requestId?: string | undefined
}

/** The parts of an HTTP exchange the context reads (Express and node:http fit; no types of either). */
export interface HttpExchange {
  req: {
    /** The request id set by the server's request context. */
    id?: string
    headers: { authorization?: string | undefined; host?: string | undefined }
    /** Express: honours `trust proxy`. */
    protocol?: string
    /** Express: the Host (or X-Forwarded-Host behind a trusted proxy), with its port. */
    host?: string
  }
  res?: { appendHeader(name: string, value: string): unknown }
}

/** Builds the per-request context from the Authorization header. */
export function createContextFactory(deps: ApiDeps) {
  const { authenticate, ...rest } = deps
  return async ({ req, res }: HttpExchange) => {
    const user = await authenticate(req.headers.authorization)
    return {
      ...rest,
      user,
      setCookie: res
        ? (serialized: string) => void res.appendHeader('Set-Cookie', serialized)
        : undefined,
      // Read when asked (gallery cookies): Express's host and protocol consult `trust proxy`.
      get requestOrigin() {
        const host = req.host ?? req.headers.host
        return host ? `${req.protocol ?? 'http'}://${host}` : undefined
      },
      requestId: req.id,
    } satisfies Context
  }
}

/** "purpose: purpose is required; size: size must be greater than 0" */
function describeZodError(error: ZodError): string {
  return error.issues
    .map((issue) =>
      issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : issue.message,
    )
    .join('; ')
}

const t = initTRPC.context<Context>().create({
  // No transformer: plain JSON with ISO date strings, so any language can call the API.
  errorFormatter({ shape, error, ctx }) {
    const zod = error.cause instanceof ZodError ? error.cause : undefined
    // Unexpected failures are logged by the server; their details never reach the client.
    const internal = error.code === 'INTERNAL_SERVER_ERROR'
    return {
      ...shape,
      message: zod ? describeZodError(zod) : internal ? 'internal error' : shape.message,
      data: {
        ...shape.data,
        stack: undefined,
        fields: zod ? zod.issues.map((i) => i.path.join('.')) : undefined,
        // The one error body (`code` there is the catalogue's; `data.code` stays tRPC's).
        error: toErrorBody(error, ctx?.requestId),
      },
    }
  },
})

export const router = t.router
export const createCallerFactory = t.createCallerFactory

/** A catalogue error as the tRPC error the client sees (code, message; the cause kept). */
function toCatalogueError(appError: AppError): TRPCError {
  return new TRPCError({
    code: ERROR_CATALOGUE[appError.code].rpc,
    message: appError.message,
    cause: appError,
  })
}

/**
 * The one error mapping: a catalogue error (including Postgres or S3 down → 503, with
 * Retry-After set by the HTTP adapter) becomes its tRPC code and message; anything else stays
 * an internal error whose details only reach the log.
 */
function toCatalogueResult<R extends { ok: boolean; error?: { cause?: unknown } }>(result: R): R {
  if (result.ok) return result
  const appError = toAppError(result.error?.cause ?? result.error)
  if (!appError) return result
  throw toCatalogueError(appError)
}

type MiddlewareOptions = Parameters<Parameters<typeof t.middleware>[0]>[0]

/**
 * Maps errors to the catalogue around `call`, then reports the call to `ctx.onProcedure`, so
 * the hook sees the final result. One await for the call and one for the raw input: every
 * procedure call passes here.
 */
async function observe<R extends MiddlewareResult<object>>(
  { ctx, path, getRawInput }: MiddlewareOptions,
  call: () => Promise<R>,
): Promise<R> {
  const { onProcedure } = ctx
  if (!onProcedure) return toCatalogueResult(await call())
  const started = performance.now()
  let result: R | undefined
  let failure: unknown
  try {
    result = toCatalogueResult(await call())
  } catch (err) {
    failure = err
  }
  const seconds = (performance.now() - started) / 1000
  const input = await getRawInput().catch(() => undefined)
  if (!result) {
    const code = failure instanceof TRPCError ? failure.code : 'INTERNAL_SERVER_ERROR'
    onProcedure({ path, ok: false, code, seconds, input, output: undefined })
    throw failure
  }
  onProcedure({
    path,
    ok: result.ok,
    code: result.ok ? undefined : result.error.code,
    seconds,
    input,
    output: result.ok ? result.data : undefined,
  })
  return result
}

/**
 * The outermost middleware. One middleware rather than one per concern (errors, metrics, auth):
 * tRPC copies its options and context at every layer, a cost paid by every call.
 */
export const publicProcedure = t.procedure.use((opts) => observe(opts, () => opts.next()))

/** Procedures that need a signed-in user; narrows `ctx.user` (the same one middleware). */
export const protectedProcedure = t.procedure.use((opts) =>
  observe(opts, () => {
    if (!opts.ctx.user) throw toCatalogueError(new AppError('unauthorized'))
    // The context already holds the user: `next()` without a ctx spares tRPC a copy of the
    // whole context per call; the cast only narrows `ctx.user` for the procedures.
    return opts.next() as unknown as ReturnType<typeof opts.next<{ user: User }>>
  }),
)
