import { type DocumentView, expectedPartSize } from '@uplink/core'
import { type ListedPart, partMatches, sha256Base64 } from '../checksum.ts'
import { isAbort, storageError, toUplinkError, UplinkError } from '../errors.ts'
import { aborted, withRetry } from '../retry.ts'
import { partsOf, type ResolvedSource } from '../source.ts'
import type { ClientContext } from '../trpc.ts'
import type { UploadControl, UploadRequest } from './options.ts'

interface Session {
  documentId: string
  partSize: number
  partCount: number
  /** Parts S3 holds with exactly our bytes (sent now, or verified on resume), by number. */
  done: Map<number, { etag: string; sha256: string }>
  /** Parts S3 listed at resume, of the right size; each counts only once its bytes match. */
  listed: Map<number, ListedPart>
}

/** The size part `n` has under the server's part plan (core's `expectedPartSize`). */
const expectedSize = (s: Session, size: number, n: number) =>
  expectedPartSize({ size, partSize: s.partSize, partCount: s.partCount }, n)

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
    const session: Session = { ...state, done: new Map(), listed: new Map() }
    // Only whole parts are candidates; each is compared with the local bytes before it counts.
    for (const p of parts) {
      if (p.size === expectedSize(session, size, p.partNumber)) session.listed.set(p.partNumber, p)
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
  const session: Session = { ...created, done: new Map(), listed: new Map() }
  await ctl.resume?.store.set(ctl.resume.key, {
    method: 'multipart',
    documentId: created.documentId,
    partSize: created.partSize,
    partCount: created.partCount,
  })
  return session
}

/**
 * PUTs one part to a freshly signed URL, with its SHA-256 and length signed (S3 refuses
 * other bytes); on a 403 (URL expired meanwhile) signs once more.
 */
async function putPart(
  ctx: ClientContext,
  session: Session,
  part: { partNumber: number; body: Buffer; sha256: string },
  signal: AbortSignal,
): Promise<string> {
  const { partNumber, body, sha256 } = part
  for (let fresh = 0; ; fresh++) {
    const { parts } = await ctx.trpc.multipart.signParts.mutate(
      { documentId: session.documentId, parts: [{ partNumber, sha256 }] },
      { signal },
    )
    const signed = parts[0]
    if (!signed) throw new UplinkError('SERVER', `no URL was signed for part ${partNumber}`)
    const res = await ctx.fetch(signed.url, {
      method: 'PUT',
      headers: signed.headers,
      body,
      signal,
    })
    await res.body?.cancel()
    if (res.status === 403 && fresh === 0) continue
    if (!res.ok) {
      throw storageError(res.status, `PUT of part ${partNumber}`, res.headers.get('retry-after'))
    }
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
    if (source.read) await verifyListed(session, source.read, source.size)
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
        const sha256 = sha256Base64(body)
        const listed = session.listed.get(part.partNumber)
        // A part S3 already holds counts only if it is these very bytes; else it is sent again.
        const etag =
          listed && partMatches(listed, body, sha256)
            ? listed.etag
            : await withRetry(
                () =>
                  putPart(
                    ctx,
                    session,
                    { partNumber: part.partNumber, body, sha256 },
                    signal,
                  ).catch((err: unknown) => {
                    throw toUplinkError(err)
                  }),
                { signal },
              )
        session.done.set(part.partNumber, { etag, sha256 })
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

    const parts = [...session.done].map(([partNumber, p]) => ({ partNumber, ...p }))
    const doc = await ctx.trpc.multipart.complete.mutate({ documentId: session.documentId, parts })
    await ctl.resume?.store.delete(ctl.resume.key)
    return doc
  } catch (err) {
    throw isAbort(err) && ctl.signal?.aborted ? aborted() : toUplinkError(err)
  }
}

/**
 * Moves the listed parts that hold exactly the local bytes into `done` before any upload
 * starts, so progress starts from them. (A stream is checked part by part as it is read.)
 */
async function verifyListed(
  session: Session,
  read: (start: number, end: number) => Promise<Buffer>,
  size: number,
): Promise<void> {
  for (const [n, listed] of session.listed) {
    const start = (n - 1) * session.partSize
    const body = await read(start, Math.min(start + session.partSize, size))
    const sha256 = sha256Base64(body)
    if (partMatches(listed, body, sha256)) session.done.set(n, { etag: listed.etag, sha256 })
  }
  session.listed.clear()
}

/** Hands out the parts still to send, in order; a stream is read once, skipping done parts. */
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
    const { value, done } = await parts.next()
    if (done) return undefined
    return { partNumber: value.partNumber, body: async () => value.body }
  }
}
