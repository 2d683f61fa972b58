import { createReadStream } from 'node:fs'
import {
  DEFAULT_PART_SIZE,
  type DocumentView,
  RETRY_POLICY,
  retryDelayMs,
  shouldRetryTus,
} from '@uplink/core'
import { type PreviousUpload, Upload, type UrlStorage } from 'tus-js-client'
import { codeForStatus, toUplinkError, UplinkError } from '../errors.ts'
import { aborted } from '../retry.ts'
import type { ResolvedSource } from '../source.ts'
import type { StateStore } from '../state-store.ts'
import type { ClientContext } from '../trpc.ts'
import type { UploadControl, UploadRequest } from './options.ts'
import { checksummingHttpStack } from './tus-checksum.ts'

/** The response header in which the tus server names the document of an upload. */
export const DOCUMENT_ID_HEADER = 'Uplink-Document-Id'

/** Bytes per tus PATCH. */
const TUS_CHUNK_SIZE = DEFAULT_PART_SIZE

/** tus-js-client's URL store on top of the file-based state store (one file per upload). */
export function fileUrlStorage(store: StateStore): UrlStorage {
  const toPrevious = (key: string, uploadUrl: string): PreviousUpload => ({
    size: null,
    metadata: {},
    creationTime: new Date().toISOString(),
    urlStorageKey: key,
    uploadUrl,
    parallelUploadUrls: null,
  })
  return {
    async findAllUploads() {
      const all = await store.entries()
      return all.flatMap(([k, s]) => (s.method === 'tus' ? [toPrevious(k, s.uploadUrl)] : []))
    },
    async findUploadsByFingerprint(fingerprint) {
      const state = await store.get(fingerprint)
      return state?.method === 'tus' ? [toPrevious(fingerprint, state.uploadUrl)] : []
    },
    async removeUpload(key) {
      await store.delete(key)
    },
    async addUpload(fingerprint, upload) {
      if (upload.uploadUrl)
        await store.set(fingerprint, { method: 'tus', uploadUrl: upload.uploadUrl })
      return fingerprint
    },
  }
}

/** The document id is the last segment of the upload URL (`/files/<owner>/<purpose>/<id>`). */
export function documentIdFromUploadUrl(url: string): string | undefined {
  const last = new URL(url).pathname.split('/').pop()
  return last && /^[0-9a-f-]{36}$/i.test(last) ? last : undefined
}

function tusInput(source: ResolvedSource): Promise<Buffer | NodeJS.ReadableStream> {
  // tus-js-client reads a fs.ReadStream by path (random access), a Buffer directly, and
  // any other Readable sequentially in chunks.
  if (source.path) return Promise.resolve(createReadStream(source.path))
  if (source.read) return source.read(0, source.size)
  return Promise.resolve(source.stream())
}

/**
 * Uploads with the tus protocol to `${url}/files` (bytes go through the Uplink server),
 * resuming a previous upload of the same file from the state dir.
 */
export async function uploadTus(
  ctx: ClientContext,
  source: ResolvedSource,
  req: UploadRequest,
  ctl: UploadControl,
): Promise<DocumentView> {
  if (ctl.signal?.aborted) throw aborted()
  let documentId: string | undefined
  const input = await tusInput(source)
  const url = await new Promise<string>((resolve, reject) => {
    const upload = new Upload(input as Buffer, {
      endpoint: `${ctx.url}/files`,
      headers: { Authorization: `Bearer ${ctx.token}` },
      metadata: { filename: req.filename, filetype: req.contentType, purpose: req.purpose },
      uploadSize: source.size,
      // Each PATCH carries Upload-Checksum (sha256); the server keeps none of a mismatched one.
      httpStack: checksummingHttpStack(),
      // Every PATCH is hashed (in memory) before it is sent and counts all or nothing, so
      // PATCHes are bounded: a multiple of the server's 16 MiB parts, whatever the source.
      chunkSize: TUS_CHUNK_SIZE,
      // The one retry policy's backoff (tus-js-client takes a list of delays, not a Retry-After).
      retryDelays: retrySchedule(),
      onShouldRetry: (err) => shouldRetryTus(err.originalResponse?.getStatus() ?? 0),
      ...(ctl.resume
        ? {
            urlStorage: fileUrlStorage(ctl.resume.store),
            fingerprint: async () => ctl.resume?.key ?? '',
            storeFingerprintForResuming: true,
            removeFingerprintOnSuccess: true,
          }
        : { storeFingerprintForResuming: false }),
      onProgress: (sent) => ctl.progress(sent),
      onAfterResponse: (_req, res) => {
        documentId = res.getHeader(DOCUMENT_ID_HEADER) ?? documentId
      },
      onSuccess: () => resolve(upload.url ?? ''),
      onError: (err) => reject(tusError(err)),
    })
    ctl.signal?.addEventListener(
      'abort',
      () => {
        // Keep the upload on the server (no termination) so that it can be resumed.
        void upload.abort(false).finally(() => reject(aborted()))
      },
      { once: true },
    )
    upload
      .findPreviousUploads()
      .then((previous) => {
        if (previous[0]) upload.resumeFromPreviousUpload(previous[0])
        upload.start()
      })
      .catch(reject)
  })
  documentId ??= documentIdFromUploadUrl(url)
  if (!documentId)
    throw new UplinkError(
      'SERVER',
      `the tus server did not name the document (${DOCUMENT_ID_HEADER})`,
    )
  try {
    return await ctx.trpc.documents.byId.query({ id: documentId })
  } catch (err) {
    throw toUplinkError(err)
  }
}

/** A tus-js-client error as an UplinkError, keeping the server's message. */
function tusError(
  err: Error & { originalResponse?: { getStatus(): number; getBody(): string } | null },
) {
  const res = err.originalResponse
  if (!res) return new UplinkError('NETWORK', `tus upload failed: ${err.message}`, { cause: err })
  const status = res.getStatus()
  const body = res.getBody()?.trim() || err.message
  const code = codeForStatus(status)
  return new UplinkError(code, `tus upload refused (HTTP ${status}): ${body}`, {
    cause: err,
    status,
  })
}

/**
 * Jittered delays of the one retry policy, one per retry (tus-js-client gives up when the list
 * runs out): seven, starting at 1 s, so that an upload rides out a server restart (about 20 s).
 */
function retrySchedule(): number[] {
  return Array.from({ length: 7 }, (_, retry) =>
    retryDelayMs(retry, { baseDelayMs: 2 * RETRY_POLICY.baseDelayMs }),
  )
}
