import {
  BasePlugin,
  type DefinePluginOpts,
  EventManager,
  type PluginOpts,
  type Uppy,
} from '@uppy/core'
import {
  type Body,
  fetcher,
  filterFilesToEmitUploadStarted,
  filterFilesToUpload,
} from '@uppy/core/utils'
import type { ApiClient } from '../api/client.ts'
import { type HashedPart, type Hasher, MultipartDigests } from './multipart-digests.ts'
import { RETRY_DELAYS } from './network.ts'
import { dataOf, partSizeFor, uploadRequest } from './s3-options.ts'
import { isTransient } from './transient.ts'
import type { UplinkFile, UplinkMeta } from './uplink-meta.ts'
import { verifiedParts } from './verified-parts.ts'

/** One signed part on its way to S3; resolves with the part's ETag. */
export type SendPart = (part: {
  url: string
  headers: Record<string, string>
  /** The bytes hashed for the part's signed SHA-256 (a Blob when this page does not hash). */
  body: Blob | ArrayBuffer
  signal: AbortSignal
  onProgress(sent: number): void
}) => Promise<string>

/** A refused or failed part PUT, with S3's status (0: nothing answered). */
export class PartError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message)
  }
}

/** PUTs a part with XHR (fetch reports no upload progress). */
export const xhrSendPart: SendPart = async ({ url, headers, body, signal, onProgress }) => {
  try {
    const xhr = await fetcher(url, {
      method: 'PUT',
      // As a Blob (one memory copy): an ArrayBuffer body is copied into the browser's network
      // events whole, base64 (DevTools, Playwright), seconds of CPU per part under observation.
      body: body instanceof ArrayBuffer ? new Blob([body]) : body,
      headers,
      signal,
      retries: 0,
      onUploadProgress: (e) => onProgress(e.loaded),
    })
    const etag = xhr.getResponseHeader('etag')
    if (!etag) throw new PartError('S3 sent no ETag (is it exposed by the bucket CORS?)', 500)
    return etag
  } catch (err) {
    const xhr = (err as { request?: XMLHttpRequest | null }).request
    if (!xhr) throw err
    throw new PartError(`S3 answered ${xhr.status} to a part`, xhr.status)
  }
}

export interface UplinkMultipartOptions extends PluginOpts {
  api: ApiClient
  /** Part PUTs in flight at once, over all files. */
  limit?: number
  /** Waits before each retry of a part (RETRY_DELAYS: about 30 minutes in all). */
  retryDelays?: readonly number[]
  sendPart?: SendPart
  /**
   * Hashes each file in a worker while it uploads (`sha256Hasher`): the parts' SHA-256 and the
   * whole file's, which `multipart.complete` declares. Without one, only the parts are hashed.
   */
  hasher?: Hasher | undefined
}

type Opts = DefinePluginOpts<UplinkMultipartOptions, 'limit' | 'retryDelays' | 'sendPart'>

/** Parts hashed ahead of the ones being sent, so a freed slot never waits for a hash. */
const HASH_AHEAD = 2

const abortError = () => new DOMException('Aborted', 'AbortError')
const isAbort = (err: unknown) => err instanceof DOMException && err.name === 'AbortError'

/** Resolves after `ms`, or rejects when `signal` aborts first. */
function wait(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms)
    function done() {
      signal.removeEventListener('abort', stop)
      resolve()
    }
    function stop() {
      clearTimeout(timer)
      reject(abortError())
    }
    signal.addEventListener('abort', stop, { once: true })
  })
}

/**
 * Presigned multipart on Uplink's procedures, as an Uppy uploader: `multipart.create` makes the
 * pending row, each part is signed with its SHA-256 (`multipart.signParts`) and PUT to S3 up to
 * `limit` at a time, with backoff on transient failures; each part is read once, hashed
 * `HASH_AHEAD` parts ahead of its send, and its body is the bytes hashed; `multipart.complete`
 * declares the whole file's SHA-256, hashed alongside the parts (`MultipartDigests`), and lets the server check
 * every part and finish. A retried or restored file resumes from the parts `multipart.listParts`
 * reports that hold exactly its bytes (`verifiedParts`), whose bytes also catch the whole-file
 * digest up.
 */
export class UplinkMultipart extends BasePlugin<Opts, UplinkMeta, Body> {
  /** Per file: ETags of the parts S3 holds, by part number. */
  #done = new Map<string, Map<number, string>>()
  #running = new Map<string, AbortController>()
  /** Per file: its pending document, until the server has completed it. */
  #documents = new Map<string, string>()
  /** Per file: its digests, until it succeeds, fails or goes (a pause keeps them). */
  #digests = new Map<string, MultipartDigests>()
  #slots: number
  #waiting: (() => void)[] = []

  constructor(uppy: Uppy<UplinkMeta, Body>, opts: UplinkMultipartOptions) {
    super(uppy, { limit: 4, retryDelays: RETRY_DELAYS, sendPart: xhrSendPart, ...opts })
    this.id = this.opts.id ?? 'UplinkMultipart'
    this.type = 'uploader'
    this.#slots = this.opts.limit
  }

  override install(): void {
    this.uppy.addUploader(this.#upload)
    this.uppy.setState({
      capabilities: { ...this.uppy.getState().capabilities, resumableUploads: true },
    })
  }

  override uninstall(): void {
    this.uppy.removeUploader(this.#upload)
    for (const controller of this.#running.values()) controller.abort()
  }

  #upload = async (fileIDs: string[]): Promise<void> => {
    const files = filterFilesToUpload(this.uppy.getFilesByIds(fileIDs)) as UplinkFile[]
    this.uppy.emit('upload-start', filterFilesToEmitUploadStarted(files))
    await Promise.allSettled(files.map((file) => this.#uploadFile(file.id)))
  }

  /** Settles when the file is uploaded, fails, or is removed; pauses restart its parts. */
  #uploadFile(fileId: string): Promise<void> {
    return new Promise((resolve) => {
      const events = new EventManager(this.uppy)
      const finish = () => {
        events.remove()
        this.#closeDigests(fileId)
        this.#running.get(fileId)?.abort()
        this.#running.delete(fileId)
        resolve()
      }
      const start = () => {
        this.#running.get(fileId)?.abort()
        const controller = new AbortController()
        this.#running.set(fileId, controller)
        this.#attempt(fileId, controller.signal).then(
          (file) => {
            this.#done.delete(fileId)
            this.uppy.emit('upload-success', file, { status: 200, body: {}, uploadURL: undefined })
            finish()
          },
          (err: unknown) => {
            if (controller.signal.aborted || isAbort(err)) return
            // A retry hashes anew (a failed digest may be what failed).
            this.#closeDigests(fileId)
            this.uppy.emit('upload-error', this.uppy.getFile(fileId), err as Error)
            finish()
          },
        )
      }
      const stop = () => this.#running.get(fileId)?.abort()
      events.onFileRemove(fileId, () => {
        this.#cancel(fileId)
        finish()
      })
      events.onCancelAll(fileId, () => {
        this.#cancel(fileId)
        finish()
      })
      events.onFilePause(fileId, (paused) => (paused ? stop() : start()))
      events.onPauseAll(fileId, stop)
      events.onResumeAll(fileId, start)
      start()
    })
  }

  #closeDigests(fileId: string): void {
    this.#digests.get(fileId)?.close()
    this.#digests.delete(fileId)
  }

  /** A removed or cancelled file: its multipart upload and pending row go too. */
  #cancel(fileId: string): void {
    this.#running.get(fileId)?.abort()
    this.#done.delete(fileId)
    const documentId = this.#documents.get(fileId)
    this.#documents.delete(fileId)
    if (documentId) this.opts.api.multipart.abort.mutate({ documentId }).catch(() => {})
  }

  async #attempt(fileId: string, signal: AbortSignal): Promise<UplinkFile> {
    const file = this.uppy.getFile(fileId)
    const data = dataOf(file)
    const partSize = partSizeFor(data.size)
    let documentId = file.meta.documentId
    let done = this.#done.get(fileId)
    let digests = this.#digests.get(fileId)
    if (!digests) {
      digests = new MultipartDigests(data, partSize, this.opts.hasher)
      this.#digests.set(fileId, digests)
    }
    const hashed = digests
    if (!documentId) {
      const created = await this.opts.api.multipart.create.mutate(uploadRequest(file), { signal })
      documentId = created.documentId
      this.uppy.setFileMeta(fileId, { ...file.meta, documentId })
      done = new Map()
    } else if (!done) {
      // Restored after a reload, or retried: only the parts holding exactly our bytes count.
      const { parts } = await this.opts.api.multipart.listParts.query({ documentId }, { signal })
      const kept = await verifiedParts(
        data,
        partSize,
        parts,
        async (n) => (await hashed.part(n)).sha256,
      )
      done = new Map(kept.map((p) => [p.PartNumber ?? 0, p.ETag ?? '']))
      for (const n of done.keys()) hashed.sent(n)
    }
    this.#done.set(fileId, done)
    this.#documents.set(fileId, documentId)

    const partCount = Math.max(1, Math.ceil(data.size / partSize))
    const sending = new Map<number, number>()
    const progress = () => {
      let sent = 0
      for (const n of done.keys()) sent += Math.min(partSize, data.size - (n - 1) * partSize)
      for (const bytes of sending.values()) sent += bytes
      this.uppy.emit('upload-progress', this.uppy.getFile(fileId), {
        uploadStarted: file.progress.uploadStarted ?? Date.now(),
        bytesUploaded: sent,
        bytesTotal: data.size,
      })
    }
    progress()
    const todo = Array.from({ length: partCount }, (_, i) => i + 1).filter((n) => !done.has(n))
    const id = documentId
    await Promise.all(
      todo.map((partNumber, i) =>
        this.#withSlot(signal, async () => {
          // Slots are taken in part order, so parts are hashed in file order: this one (unless
          // hashed ahead already), then the next few, while this one is signed and sent.
          const part = () => hashed.part(partNumber)
          for (const next of todo.slice(i, i + 1 + HASH_AHEAD)) hashed.ahead(next)
          const etag = await this.#sendWithRetries(id, partNumber, part, signal, (sent) => {
            sending.set(partNumber, sent)
            progress()
          })
          hashed.sent(partNumber)
          sending.delete(partNumber)
          done.set(partNumber, etag)
          progress()
        }),
      ),
    )
    const parts = [...done]
      .sort(([a], [b]) => a - b)
      .map(([partNumber, etag]) => ({ partNumber, etag }))
    // The whole file's SHA-256, once the worker has had every byte (declared: the content
    // check compares the stored bytes with it, and the card says Verified).
    const sha256 = await hashed.whole()
    await this.#completeWithRetries(
      fileId,
      { documentId: id, parts, ...(sha256 ? { sha256 } : {}) },
      signal,
    )
    this.#documents.delete(fileId)
    return this.uppy.getFile(fileId)
  }

  /**
   * `multipart.complete` (idempotent), again with backoff while the server does not answer: every
   * byte is in S3, so an outage now is a wait, not a failure. Each miss is reported as a stall,
   * so the page asks whether the server is there and says it is waiting for it.
   */
  async #completeWithRetries(
    fileId: string,
    input: Parameters<ApiClient['multipart']['complete']['mutate']>[0],
    signal: AbortSignal,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.opts.api.multipart.complete.mutate(input, { signal })
        return
      } catch (err) {
        const delay = this.opts.retryDelays[attempt]
        if (signal.aborted || !isTransient(err) || delay === undefined) throw err
        const file = this.uppy.getFile(fileId)
        if (file) {
          this.uppy.emit(
            'upload-stalled',
            { message: 'the server did not answer while completing the upload; trying again' },
            [file],
          )
        }
        await wait(delay, signal)
      }
    }
  }

  /** Signs (afresh each time: URLs expire) and sends one part, backing off on transient failures. */
  async #sendWithRetries(
    documentId: string,
    partNumber: number,
    hashedPart: () => Promise<HashedPart>,
    signal: AbortSignal,
    onProgress: (sent: number) => void,
  ): Promise<string> {
    for (let attempt = 1; ; attempt++) {
      try {
        const { sha256, body } = await hashedPart()
        const signed = await this.opts.api.multipart.signParts.mutate(
          { documentId, parts: [{ partNumber, sha256 }] },
          { signal },
        )
        const part = signed.parts[0]
        if (!part) throw new Error(`the server signed no URL for part ${partNumber}`)
        return await this.opts.sendPart({
          url: part.url,
          headers: part.headers,
          body,
          signal,
          onProgress,
        })
      } catch (err) {
        const delay = this.opts.retryDelays[attempt]
        if (signal.aborted || !isTransient(err) || delay === undefined) throw err
        onProgress(0)
        await wait(delay, signal)
      }
    }
  }

  /** Runs `fn` when one of the `limit` part slots is free. */
  async #withSlot<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
    while (this.#slots === 0) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve))
      if (signal.aborted) {
        // Hand the free slot on to the next part still wanted.
        this.#waiting.shift()?.()
        throw abortError()
      }
    }
    this.#slots--
    try {
      signal.throwIfAborted()
      return await fn()
    } finally {
      this.#slots++
      this.#waiting.shift()?.()
    }
  }
}
