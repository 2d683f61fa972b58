import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { Transform, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { httpError, toUplinkError, UplinkError } from './errors.ts'
import { asNetworkError, httpGet } from './http-get.ts'
import type { ClientContext } from './trpc.ts'

/**
 * Requests a signed URL; when storage answers 403 (the URL expired between minting and use),
 * discards that answer, gets a fresh URL from `getUrl` and tries once more. Any other status
 * outside 2xx is discarded and thrown as an UplinkError.
 */
async function withFreshUrlOn403<R>(
  getUrl: () => Promise<string>,
  http: {
    request: (url: string) => Promise<R>
    status: (res: R) => number
    discard: (res: R) => unknown
  },
): Promise<R> {
  let res = await http.request(await getUrl())
  if (http.status(res) === 403) {
    await http.discard(res)
    res = await http.request(await getUrl())
  }
  const status = http.status(res)
  if (status < 200 || status > 299) {
    await http.discard(res)
    throw httpError(status, 'download')
  }
  return res
}

/**
 * Fetches a signed URL; when storage answers 403 (the URL expired between minting and use),
 * gets a fresh URL from `getUrl` and tries once more. Throws an UplinkError for any other
 * failure; resolves to the successful response.
 */
export async function fetchSigned(
  getUrl: () => Promise<string>,
  init?: RequestInit & { fetch?: typeof fetch },
): Promise<Response> {
  const { fetch: doFetch = fetch, ...rest } = init ?? {}
  try {
    return await withFreshUrlOn403(getUrl, {
      request: (url) => doFetch(url, rest),
      status: (res) => res.status,
      discard: (res) => res.body?.cancel(),
    })
  } catch (err) {
    throw toUplinkError(err)
  }
}

/**
 * Streams a document to `dest` (a path, written via a temp file and renamed when complete,
 * or a Writable) from a fresh signed URL, hashing the bytes as they are written. When the
 * document has a verified SHA-256, different bytes fail with an `INTEGRITY` UplinkError and a
 * path destination is left untouched (the partial file is removed); a Writable has already
 * received them. Returns the number of bytes written. The bytes come over `node:http(s)`, not
 * `ctx.fetch` (see `httpGet`); a connection that breaks mid-body fails with NETWORK.
 */
export async function download(
  ctx: ClientContext,
  documentId: string,
  dest: string | Writable,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  let expected: string | null = null
  const getUrl = async () => {
    try {
      const signed = await ctx.trpc.documents.downloadUrl.query({ id: documentId })
      expected = signed.sha256
      return signed.url
    } catch (err) {
      throw toUplinkError(err)
    }
  }
  // Once the caller aborted, every failure is the abort: the request's own abort listener
  // destroys the socket first, so the response may fail with ECONNRESET before the AbortError.
  const fail = (err: unknown) =>
    options.signal?.aborted
      ? new UplinkError('ABORTED', 'the operation was cancelled', { cause: err })
      : toUplinkError(asNetworkError(err))
  let body: IncomingMessage
  try {
    body = await withFreshUrlOn403(getUrl, {
      request: (url) => httpGet(url, { signal: options.signal }),
      status: (res) => res.statusCode ?? 0,
      discard: (res) => res.destroy(),
    })
  } catch (err) {
    throw fail(err)
  }
  const hash = createHash('sha256')
  let bytes = 0
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      bytes += chunk.length
      done(null, chunk)
    },
  })
  const target = typeof dest === 'string' ? `${dest}.uplink-part` : dest
  try {
    await pipeline(body, tap, typeof target === 'string' ? createWriteStream(target) : target, {
      ...(options.signal ? { signal: options.signal } : {}),
    })
    // RFC 9112 §6.3: a message shorter than its Content-Length is incomplete.
    if (!body.complete)
      throw new UplinkError('NETWORK', 'storage closed the connection before the whole body')
    const actual = hash.digest('base64')
    if (expected !== null && actual !== expected) {
      throw new UplinkError(
        'INTEGRITY',
        `the downloaded bytes of document ${documentId} have SHA-256 ${actual}, not the verified ${expected}`,
      )
    }
    if (typeof target === 'string' && typeof dest === 'string') await rename(target, dest)
  } catch (err) {
    if (typeof target === 'string') await rm(target, { force: true })
    throw fail(err)
  }
  return bytes
}
