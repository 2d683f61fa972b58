import type { AnyTRPCProcedure, AnyTRPCRouter } from '@trpc/server'
import type { TRPCRequestInfo } from '@trpc/server/http'
import {
  getErrorShape,
  getHTTPStatusCode,
  getProcedureAtPath,
  getTRPCErrorFromUnknown,
  isAsyncIterable,
  isObject,
  isPromise,
  TRPCError,
} from '@trpc/server/unstable-core-do-not-import'
import type { Request, Response } from 'express'
import { callProcedure } from './trpc-call-chain.ts'
import type { TrpcRouteOptions } from './trpc-route.ts'

/** A procedure path that needs no decoding: `uploads.presignPut`. */
const PLAIN_PATH = /^[\w.]+$/

/**
 * The mutation a request calls, when it is the plain form `resolveResponse` would answer the
 * same way: one call (no `?batch`, no query string), POST with a JSON body, no streaming accept
 * header, a procedure that exists and is a mutation. Anything else goes to `resolveResponse`.
 */
export function singleMutation(
  router: AnyTRPCRouter,
  req: Request,
  path: string,
): AnyTRPCProcedure | undefined | Promise<AnyTRPCProcedure | undefined> {
  if (req.method !== 'POST' || req.originalUrl.includes('?') || !PLAIN_PATH.test(path)) return
  if (req.headers['trpc-accept'] !== undefined) return
  const type = req.headers['content-type']
  if (type === undefined || type.split(';', 1)[0]!.trim().toLowerCase() !== 'application/json')
    return
  let known = mutations.get(router)
  if (!known) {
    known = new Map()
    mutations.set(router, known)
  }
  const procedure = known.get(path)
  // A path seen before is answered without a promise.
  if (procedure !== undefined) return procedure ?? undefined
  return getProcedureAtPath(router, path).then((found) => {
    const mutation = found?._def.type === 'mutation' ? found : null
    // A router's procedures are fixed once built: remember the answer for its known paths only.
    if (found) known.set(path, mutation)
    return mutation ?? undefined
  })
}

/** Each router's mutations by path (null: a procedure that is not a mutation). */
const mutations = new WeakMap<AnyTRPCRouter, Map<string, AnyTRPCProcedure | null>>()

/** Parses a call's JSON body as `resolveResponse` does; `failed` leaves the call to it. */
export function parseInput(body: string): { input: unknown } | 'failed' {
  try {
    return { input: body ? JSON.parse(body) : undefined }
  } catch {
    return 'failed'
  }
}

/**
 * Answers one mutation exactly as tRPC's `resolveResponse` would (status, body, Vary,
 * `responseMeta` headers, `onError`), without building a fetch `Request` and `Response` around
 * it: those objects, their streams and abort signals were most of `/trpc`'s own cost per call.
 */
export async function answerSingleMutation(
  options: TrpcRouteOptions,
  exchange: { req: Request; res: Response; path: string; procedure: AnyTRPCProcedure },
  input: unknown,
): Promise<void> {
  const { req, res, path, procedure } = exchange
  const config = options.router._def._config
  const abort = new AbortController()
  const onClose = () => {
    if (!res.writableFinished) abort.abort()
  }
  res.once('close', onClose)
  const getRawInput = async () => input
  let ctx: unknown
  let data: unknown
  let error: TRPCError | undefined
  try {
    ctx = await options.createContext({ req, res })
    data = await callProcedure(procedure, {
      path,
      getRawInput,
      rawInput: { value: input },
      ctx,
      type: 'mutation',
      signal: abort.signal,
      batchIndex: 0,
    })
    if (isDataStream(data)) {
      throw new TRPCError({
        code: 'UNSUPPORTED_MEDIA_TYPE',
        message:
          'Cannot use stream-like response in non-streaming request - use httpBatchStreamLink',
      })
    }
  } catch (cause) {
    error = getTRPCErrorFromUnknown(cause)
    options.onError({ error, path, input, ctx, type: 'mutation', req } as never)
  }
  const json = error
    ? { error: getErrorShape({ config, ctx, error, input, path, type: 'mutation' }) }
    : { result: { data } }
  const errors = error ? [error] : []
  let status = getHTTPStatusCode(json, errors)
  const info: TRPCRequestInfo = {
    isBatchCall: false,
    accept: null,
    calls: [{ path, procedure, batchIndex: 0, getRawInput, result: () => input }],
    type: 'mutation',
    connectionParams: null,
    signal: abort.signal,
    url: null,
  }
  const meta =
    options.responseMeta({
      ctx: ctx as never,
      info,
      paths: [path],
      type: 'mutation',
      data: [json] as never,
      errors,
      eagerGeneration: false,
    }) ?? {}
  if (meta.status) status = meta.status
  // transformTRPCResponse's work without its copies: the answer's one item, serialised.
  const serialize = config.transformer.output.serialize
  const body = JSON.stringify(
    error ? { error: serialize(json.error) } : { result: { data: serialize(data) } },
  )
  res.statusCode = status
  res.setHeader('vary', 'trpc-accept, accept')
  res.setHeader('content-type', 'application/json')
  if (meta.headers instanceof Headers) {
    for (const [key, value] of meta.headers) res.appendHeader(key, value)
  } else if (meta.headers) {
    for (const [key, value] of Object.entries(meta.headers)) {
      if (Array.isArray(value)) for (const v of value) res.appendHeader(key, v)
      else if (typeof value === 'string') res.setHeader(key, value)
    }
  }
  res.setHeader('content-length', Buffer.byteLength(body))
  // A string with headers not yet sent goes out in one write with them.
  res.end(body)
  res.off('close', onClose)
}

/** tRPC's test for an answer that needs a streaming link (a promise or an iterable inside). */
function isDataStream(v: unknown): boolean {
  if (!isObject(v)) return false
  const values = Object.values(v)
  return values.some(isPromise) || values.some(isAsyncIterable)
}
