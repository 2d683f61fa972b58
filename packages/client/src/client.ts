import type { Writable } from 'node:stream'
import type { DocumentView } from '@uplink/core'
import { download } from './download.ts'
import { toUplinkError, UplinkError } from './errors.ts'
import type { UploadSource } from './source.ts'
import { type ClientContext, createTrpc, type UplinkTrpc } from './trpc.ts'
import { withUplinkErrors } from './uplink-errors.ts'
import type { DefaultPurpose, UploadFileOptions } from './upload/options.ts'
import { uploadFile } from './upload/upload-file.ts'

/** Options of `createUplinkClient`. */
export interface UplinkClientOptions {
  /** The server's base URL, e.g. `https://uplink.example.com`. */
  url: string
  /** A bearer token (JWT) for the user. */
  token: string
  /**
   * Replaces global fetch for the API calls and the uploads to S3 (e.g. to count or log them).
   * `download` reads the object over node:http(s) instead: Node 24's fetch can crash on a slow
   * reader (undici #5360).
   */
  fetch?: typeof fetch
}

/**
 * The Uplink client: the typed tRPC client plus upload and download helpers. `P`: the purposes
 * `uploadFile` accepts (the built-in ones unless widened).
 */
export interface UplinkClient<P extends string = DefaultPurpose> {
  /** The fully typed tRPC client; its calls reject with `UplinkError`, like every method here. */
  trpc: UplinkTrpc
  /** Uploads a path, Buffer, Blob or sized Readable; resolves to the confirmed document. */
  uploadFile(source: UploadSource, options: UploadFileOptions<P>): Promise<DocumentView>
  /** Streams a document to a path or Writable; resolves to the bytes written. */
  download(
    documentId: string,
    dest: string | Writable,
    options?: { signal?: AbortSignal },
  ): Promise<number>
  /** One document of mine. */
  info(documentId: string): Promise<DocumentView>
  /** My documents, newest first, all pages. */
  list(): Promise<DocumentView[]>
  /** Deletes a document (and aborts it if it is an upload in progress). */
  remove(documentId: string): Promise<DocumentView>
}

/**
 * Creates a client for one server and one user. `P` lists the purposes its uploads may name:
 * the built-in ones by default; `createUplinkClient<string>(…)` for a server with its own.
 */
export function createUplinkClient<P extends string = DefaultPurpose>(
  options: UplinkClientOptions,
): UplinkClient<P> {
  if (!options.token) {
    throw new UplinkError('UNAUTHORIZED', 'no token: pass { token } (the CLI reads UPLINK_TOKEN)')
  }
  let url: string
  try {
    url = new URL(options.url).toString().replace(/\/+$/, '')
  } catch {
    throw new UplinkError(
      'BAD_REQUEST',
      `"${options.url}" is not a URL (e.g. http://localhost:3000)`,
    )
  }
  const doFetch = options.fetch ?? globalThis.fetch
  const ctx: ClientContext = {
    url,
    token: options.token,
    fetch: doFetch,
    trpc: createTrpc({ url, token: options.token, fetch: doFetch }),
  }
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn()
    } catch (err) {
      throw toUplinkError(err)
    }
  }
  return {
    // The same typed client, its rejections as UplinkError like every other method.
    trpc: withUplinkErrors(ctx.trpc),
    uploadFile: (source, opts) => uploadFile(ctx, source, opts),
    download: (documentId, dest, opts) => download(ctx, documentId, dest, opts),
    info: (id) => call(() => ctx.trpc.documents.byId.query({ id })),
    list: () =>
      call(async () => {
        const out: DocumentView[] = []
        let cursor: string | null = null
        do {
          const page = await ctx.trpc.documents.list.query({ cursor, limit: 100 })
          out.push(...page.items)
          cursor = page.nextCursor
        } while (cursor)
        return out
      }),
    remove: (id) => call(() => ctx.trpc.documents.delete.mutate({ id })),
  }
}
