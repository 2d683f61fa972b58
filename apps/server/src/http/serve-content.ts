import { AppError } from '@uplink/core'
import { ObjectChangedError, type Storage } from '@uplink/storage'
import type { DocumentContent } from '@uplink/uploads'
import type { Request, Response } from 'express'
import { parseRange } from './byte-range.ts'
import { ifRangeHolds, notModified } from './conditional.ts'
import { sendError } from './errors.ts'
import { sendBody } from './send-body.ts'

/**
 * Answers a GET/HEAD for a document's bytes with RFC 9110 semantics: 304 for a matching
 * If-None-Match (or If-Modified-Since), one byte range as 206 (416 when unsatisfiable), else
 * 200. The body is streamed from S3 with back-pressure; when the client goes away the S3 GET
 * is aborted. The S3 read is pinned to the ETag it announced (If-Match), so a 206 can never
 * splice bytes of two versions.
 */
export async function serveContent(
  req: Request,
  res: Response,
  storage: Pick<Storage, 'readStream'>,
  content: DocumentContent,
): Promise<void> {
  const validators = { etag: content.etag, lastModified: content.lastModified }
  // Authenticated bytes: no shared cache may keep them, and no browser copy outlives the page.
  res.setHeader('Cache-Control', 'private, no-store')
  res.setHeader('ETag', content.etag)
  if (content.lastModified) res.setHeader('Last-Modified', content.lastModified.toUTCString())
  if (
    notModified(
      {
        ifNoneMatch: req.header('if-none-match'),
        ifModifiedSince: req.header('if-modified-since'),
      },
      validators,
    )
  ) {
    res.status(304).end()
    return
  }
  const rangeHeader = ifRangeHolds(req.header('if-range'), validators)
    ? req.header('range')
    : undefined
  const range = parseRange(rangeHeader, content.size)
  if (range.kind === 'unsatisfiable') {
    // "the server SHOULD send a Content-Range header field with an unsatisfied-range value"
    // (RFC 9110 §15.5.17).
    res.setHeader('Content-Range', `bytes */${content.size}`)
    sendError(
      req,
      res,
      'range_not_satisfiable',
      `range not satisfiable: the document has ${content.size} bytes; ask for bytes within 0-${Math.max(0, content.size - 1)}`,
    )
    return
  }
  const partial = range.kind === 'partial'
  const start = partial ? range.start : 0
  const end = partial ? range.end : content.size - 1

  // The client going away (or the idle timeout) aborts the S3 GET, body or not.
  const abort = new AbortController()
  const onClose = () => {
    if (!res.writableFinished) abort.abort()
  }
  res.on('close', onClose)
  try {
    const body =
      req.method === 'HEAD' || content.size === 0
        ? undefined
        : await readPinned(storage, content, partial ? { start, end } : undefined, abort.signal)
    if (abort.signal.aborted) {
      body?.destroy()
      return
    }
    res.status(partial ? 206 : 200)
    res.setHeader('Accept-Ranges', 'bytes')
    res.setHeader('Content-Type', content.contentType)
    res.setHeader('Content-Disposition', content.contentDisposition)
    // The digest of the whole representation, on 206 too: RFC 9530 §3 "Repr-Digest ...
    // of the selected representation", so a client that joins ranges can check the result.
    if (content.reprDigest) res.setHeader('Repr-Digest', content.reprDigest)
    if (partial) res.setHeader('Content-Range', `bytes ${start}-${end}/${content.size}`)
    res.setHeader('Content-Length', String(end - start + 1))
    if (!body) {
      res.end()
      return
    }
    await sendBody(body, res)
  } catch (err) {
    // A client that left mid-body is normal; anything else goes to the error handler.
    if (abort.signal.aborted) return
    throw err
  } finally {
    res.off('close', onClose)
  }
}

/** The S3 GET of the bytes announced by `content.etag`, or a catalogue error. */
async function readPinned(
  storage: Pick<Storage, 'readStream'>,
  content: DocumentContent,
  range: { start: number; end: number } | undefined,
  signal: AbortSignal,
) {
  try {
    const body = await storage.readStream(content.key, { range, ifMatch: content.etag, signal })
    if (body) return body
  } catch (err) {
    if (!(err instanceof ObjectChangedError)) throw err
  }
  // Only a document being deleted or replaced right now gets here: a retry sees the new state.
  throw new AppError('unavailable', 'the document changed while it was being read; retry', {
    retryAfterSeconds: 1,
  })
}
