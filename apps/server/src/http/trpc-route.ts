import type { IncomingHttpHeaders } from 'node:http'
import type { AnyTRPCRouter } from '@trpc/server'
import { createExpressMiddleware } from '@trpc/server/adapters/express'
import { resolveResponse } from '@trpc/server/http'
import type { Request, RequestHandler, Response } from 'express'
import { answerSingleMutation, parseInput, singleMutation } from './trpc-single-call.ts'

type StockOptions = Parameters<typeof createExpressMiddleware<AnyTRPCRouter>>[0]

export interface TrpcRouteOptions {
  router: AnyTRPCRouter
  createContext: (exchange: { req: Request; res: Response }) => Promise<unknown>
  maxBatchSize: number
  /** A larger body is refused (413) before it is read into memory. */
  maxBodySize: number
  responseMeta: NonNullable<StockOptions['responseMeta']>
  onError: NonNullable<StockOptions['onError']>
}

/**
 * `/trpc` served by tRPC's own `resolveResponse`, without the stream plumbing of its Node adapter:
 * the body (its size declared and allowed) is read into one string, and a JSON answer goes out in
 * one write with its Content-Length. That plumbing — a ReadableStream per request body, a
 * WritableStream per answer, chunked encoding — was ~12 % of a presignPut's CPU. A plain call of
 * one mutation does not build fetch objects at all (`trpc-single-call.ts`). Requests it does not
 * take (no or too large a Content-Length) go to tRPC's Express adapter, which answers them as
 * before (413 over `maxBodySize`).
 */
export function trpcRoute(options: TrpcRouteOptions): RequestHandler {
  const { maxBodySize, onError, ...resolveOptions } = options
  const stock = createExpressMiddleware({ ...options } as StockOptions)
  return (req, res, next) => {
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD'
    const declared = req.headers['content-length']
    if (
      hasBody &&
      (declared === undefined || req.headers['transfer-encoding'] || Number(declared) > maxBodySize)
    ) {
      return stock(req, res, next)
    }
    serve(req, res, hasBody).catch(next)
  }

  async function serve(req: Request, res: Response, hasBody: boolean): Promise<void> {
    const body = hasBody ? await readBody(req) : undefined
    // The procedure path after the mount point, as the stock adapter takes it.
    const { path: url } = req
    const path = url.slice(url.lastIndexOf('/') + 1)
    // The common plain call (one mutation, a JSON body) skips the fetch objects entirely.
    const found = singleMutation(options.router, req, path)
    const procedure = found instanceof Promise ? await found : found
    const parsed = procedure && body !== undefined ? parseInput(body) : 'failed'
    if (procedure && parsed !== 'failed') {
      return answerSingleMutation(options, { req, res, path, procedure }, parsed.input)
    }
    // Aborted when the client goes away first, as the stock adapter does.
    const abort = new AbortController()
    const onClose = () => {
      if (!res.writableFinished) abort.abort()
    }
    res.once('close', onClose)
    // tRPC reads only the query string off the URL: the Host header plays no part.
    const request = new globalThis.Request(new URL(req.originalUrl, 'http://trpc.invalid'), {
      method: req.method,
      headers: toHeaders(req.headers),
      signal: abort.signal,
      ...(body === undefined ? {} : { body }),
    })
    const response = await resolveResponse({
      ...resolveOptions,
      req: request,
      path,
      error: null,
      createContext: () => options.createContext({ req, res }),
      onError: (o) => onError({ ...o, req }),
    })
    res.statusCode = response.status
    for (const [key, value] of response.headers) {
      if (key !== 'set-cookie') res.setHeader(key, value)
    }
    const cookies = response.headers.getSetCookie()
    if (cookies.length > 0) res.setHeader('set-cookie', cookies)
    const type = response.headers.get('content-type') ?? ''
    if (!response.body || type.startsWith('application/json')) {
      // One write: headers, Content-Length and the JSON together.
      const bytes = Buffer.from(await response.arrayBuffer())
      res.setHeader('content-length', bytes.length)
      res.end(bytes)
      return
    }
    // A streamed answer (JSONL, server-sent events) is written as it comes.
    for await (const chunk of response.body) {
      if (abort.signal.aborted) break
      if (!res.write(chunk)) await drained(res)
    }
    res.end()
  }
}

/** Resolves once `res` may be written again, or has closed (the client went away). */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done)
      res.off('close', done)
      resolve()
    }
    res.once('drain', done)
    res.once('close', done)
  })
}

/** The whole body as a string; its length was declared and is within the limit. */
function readBody(req: Request): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    // A small body comes in one chunk: decoded as it is, not copied first.
    req.once('end', () =>
      resolve((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8')),
    )
    req.once('error', reject)
  })
}

function toHeaders(incoming: IncomingHttpHeaders): Headers {
  const headers = new Headers()
  for (const [key, value] of Object.entries(incoming)) {
    if (key.startsWith(':')) continue
    if (Array.isArray(value)) for (const item of value) headers.append(key, item)
    else if (value !== undefined) headers.append(key, value)
  }
  return headers
}
