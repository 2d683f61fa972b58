import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { Readable, Transform, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { httpError, toUplinkError, UplinkError } from './errors.ts'
import type { ClientContext } from './trpc.ts'

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
    let res = await doFetch(await getUrl(), rest)
    if (res.status === 403) {
      await res.body?.cancel()
      res = await doFetch(await getUrl(), rest)
    }
    if (!res.ok) {
      await res.body?.cancel()
      throw httpError(res.status, 'download')
    }
    return res
  } catch (err) {
    throw toUplinkError(err)
  }
}

/**
 * Streams a document to `dest` (a path, written via a temp file and renamed when complete,
 * or a Writable) from a fresh signed URL, hashing the bytes as they are written. When the
 * document has a verified SHA-256, different bytes fail with an `INTEGRITY` UplinkError and a
 * path destination is left untouched (the partial file is removed); a Writable has already
 * received them. Returns the number of bytes written.
 */
export async function download(
  ctx: ClientContext,
  documentId: string,
  dest: string | Writable,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  let expected: string | null = null
  const res = await fetchSigned(
    async () => {
      try {
        const signed = await ctx.trpc.documents.downloadUrl.query({ id: documentId })
        expected = signed.sha256
        return signed.url
      } catch (err) {
        throw toUplinkError(err)
      }
    },
    { fetch: ctx.fetch, signal: options.signal ?? null },
  )
  const body = res.body
    ? Readable.fromWeb(res.body as Parameters<typeof Readable.fromWeb>[0])
    : Readable.from([])
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
    throw toUplinkError(err)
  }
  return bytes
}
