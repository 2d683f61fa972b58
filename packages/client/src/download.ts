import { createWriteStream } from 'node:fs'
import { rename, rm } from 'node:fs/promises'
import { Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { httpError, toUplinkError } from './errors.ts'
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
 * or a Writable) from a fresh signed URL. Returns the number of bytes written.
 */
export async function download(
  ctx: ClientContext,
  documentId: string,
  dest: string | Writable,
  options: { signal?: AbortSignal } = {},
): Promise<number> {
  const res = await fetchSigned(
    async () => {
      try {
        return (await ctx.trpc.documents.downloadUrl.query({ id: documentId })).url
      } catch (err) {
        throw toUplinkError(err)
      }
    },
    { fetch: ctx.fetch, signal: options.signal ?? null },
  )
  if (!res.body) return 0
  let bytes = 0
  const body = Readable.fromWeb(res.body as Parameters<typeof Readable.fromWeb>[0])
  body.on('data', (chunk: Buffer) => {
    bytes += chunk.length
  })
  const target = typeof dest === 'string' ? `${dest}.uplink-part` : dest
  try {
    await pipeline(body, typeof target === 'string' ? createWriteStream(target) : target, {
      ...(options.signal ? { signal: options.signal } : {}),
    })
    if (typeof target === 'string' && typeof dest === 'string') await rename(target, dest)
  } catch (err) {
    if (typeof target === 'string') await rm(target, { force: true })
    throw toUplinkError(err)
  }
  return bytes
}
