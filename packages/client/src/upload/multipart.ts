import type { DocumentView } from '@uplink/core'
import { httpError, isAbort, toUplinkError, UplinkError } from '../errors.ts'
import { aborted, withRetry } from '../retry.ts'
import { partsOf, type ResolvedSource } from '../source.ts'
import type { ClientContext } from '../trpc.ts'
import type { UploadControl, UploadRequest } from './options.ts'

interface Session {
  documentId: string
  partSize: number
  partCount: number
  /** ETags of the parts S3 already holds, by part number. */
  done: Map<number, string>
}

const expectedSize = (s: Session, size: number, n: number) =>
  n < s.partCount ? s.partSize : size - s.partSize * (s.partCount - 1)

/** Picks up a saved upload via multipart.listParts; undefined when it cannot be resumed. */
async function resume(
  ctx: ClientContext,
  ctl: UploadControl,
  size: number,
): Promise<Session | undefined> {
  if (!ctl.resume) return undefined
  const state = await ctl.resume.store.get(ctl.resume.key)
  if (state?.method !== 'multipart') return undefined
  try {
    const { parts } = await ctx.trpc.multipart.listParts.query({ documentId: state.documentId })
    const session: Session = { ...state, done: new Map() }
    // Only whole parts count; anything else is sent again.
    for (const p of parts) {
      if (p.size === expectedSize(session, size, p.partNumber))
        session.done.set(p.partNumber, p.etag)
    }
    return session
  } catch (err) {
    const e = toUplinkError(err)
    if (e.code !== 'NOT_FOUND' && e.code !== 'PRECONDITION_FAILED' && e.code !== 'BAD_REQUEST')
      throw e
    // Gone, finished, expired or not ours: start a new upload.
    await ctl.resume.store.delete(ctl.resume.key)
    return undefined
  }
}

async function create(
  ctx: ClientContext,
  ctl: UploadControl,
  req: UploadRequest,
): Promise<Session> {
  const created = await ctx.trpc.multipart.create.mutate(req)
  const session = { ...created, done: new Map<number, string>() }
  await ctl.resume?.store.set(ctl.resume.key, {
    method: 'multipart',
    documentId: created.documentId,
    partSize: created.partSize,
    partCount: created.partCount,
  })
  return session
}

/** PUTs one part to a freshly signed URL; on a 403 (URL expired meanwhile) signs once more. */
async function putPart(
  ctx: ClientContext,
  session: Session,
  partNumber: number,
  body: Buffer,
  signal: AbortSignal,
): Promise<string> {
  for (let fresh = 0; ; fresh++) {
    const { parts } = await ctx.trpc.multipart.signParts.mutate(
      { documentId: session.documentId, partNumbers: [partNumber] },
      { signal },
    )
    const url = parts[0]?.url
    if (!url) throw new UplinkError('SERVER', `no URL was signed for part ${partNumber}`)
    const res = await ctx.fetch(url, { method: 'PUT', body, signal })
    await res.body?.cancel()
    if (res.status === 403 && fresh === 0) continue
    if (!res.ok) throw httpError(res.status, `PUT of part ${partNumber}`)
    const etag = res.headers.get('etag')
    if (!etag) {
      throw new UplinkError(
        'SERVER',
        `S3 returned no ETag for part ${partNumber}; expose ETag in CORS`,
      )
    }
    return etag
  }
}

/**
 * Presigned multipart upload: parallel part PUTs straight to S3 with retries and backoff,
 * cancellable, resumable across processes (parts S3 already holds are not sent again).
 */
export async function uploadMultipart(
  ctx: ClientContext,
  source: ResolvedSource,
  req: UploadRequest,
  ctl: UploadControl,
): Promise<DocumentView> {
  try {
    const session = (await resume(ctx, ctl, source.size)) ?? (await create(ctx, ctl, req))
    let uploaded = 0
    for (const n of session.done.keys()) uploaded += expectedSize(session, source.size, n)
    ctl.progress(uploaded)

    // One failure stops the other workers; the caller's signal stops all of them.
    const stop = new AbortController()
    const signal = ctl.signal ? AbortSignal.any([ctl.signal, stop.signal]) : stop.signal
    const next = nextPart(session, source)
    const worker = async () => {
      for (;;) {
        if (signal.aborted) return
        const part = await next()
        if (!part) return
        const body = await part.body()
        const etag = await withRetry(
          () =>
            putPart(ctx, session, part.partNumber, body, signal).catch((err: unknown) => {
              throw toUplinkError(err)
            }),
          { signal },
        )
        session.done.set(part.partNumber, etag)
        uploaded += body.length
        ctl.progress(uploaded)
      }
    }
    const workers = Array.from({ length: Math.max(1, ctl.partConcurrency) }, () =>
      worker().catch((err: unknown) => {
        stop.abort()
        throw err
      }),
    )
    const results = await Promise.allSettled(workers)
    if (ctl.signal?.aborted) throw aborted()
    const failed = results.find((r) => r.status === 'rejected')
    if (failed) throw (failed as PromiseRejectedResult).reason

    const parts = [...session.done].map(([partNumber, etag]) => ({ partNumber, etag }))
    const doc = await ctx.trpc.multipart.complete.mutate({ documentId: session.documentId, parts })
    await ctl.resume?.store.delete(ctl.resume.key)
    return doc
  } catch (err) {
    throw isAbort(err) && ctl.signal?.aborted ? aborted() : toUplinkError(err)
  }
}

/** Hands out the parts still to send, in order; reads a stream once, skipping sent parts. */
function nextPart(
  session: Session,
  source: ResolvedSource,
): () => Promise<{ partNumber: number; body: () => Promise<Buffer> } | undefined> {
  const { read } = source
  if (read) {
    const todo: number[] = []
    for (let n = 1; n <= session.partCount; n++) if (!session.done.has(n)) todo.push(n)
    return async () => {
      const n = todo.shift()
      if (n === undefined) return undefined
      const start = (n - 1) * session.partSize
      return {
        partNumber: n,
        body: () => read(start, Math.min(start + session.partSize, source.size)),
      }
    }
  }
  const parts = partsOf(source.stream(), source.size, session.partSize)
  return async () => {
    for (;;) {
      const { value, done } = await parts.next()
      if (done) return undefined
      if (!session.done.has(value.partNumber)) {
        return { partNumber: value.partNumber, body: async () => value.body }
      }
    }
  }
}
