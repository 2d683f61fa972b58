import type { HashReply, HashRequest } from './protocol.ts'

export interface HashOptions {
  /** Bytes hashed so far. */
  onProgress?(bytes: number): void
  /** Stops the job; the promise rejects with the signal's reason. */
  signal?: AbortSignal
  /** Also hash each `chunkSize` piece from the start, in the same read of the file. */
  chunkSize?: number
  /** The digest of the piece at `start` (with `chunkSize`). */
  onChunk?(start: number, sha256: string): void
}

interface Job {
  resolve(sha256: string): void
  reject(err: Error): void
  onProgress: ((bytes: number) => void) | undefined
  onChunk: ((start: number, sha256: string) => void) | undefined
}

/**
 * SHA-256 of Blobs in a Web Worker (started on first use): base64 digests, as tus's
 * `Upload-Checksum` and the `sha256` metadata want them. Jobs run side by side in the worker.
 */
export class Sha256Hasher {
  #worker: Worker | undefined
  #jobs = new Map<number, Job>()
  #nextId = 1

  /** The base64 SHA-256 of every byte of `blob`. */
  hash(blob: Blob, { onProgress, signal, chunkSize, onChunk }: HashOptions = {}): Promise<string> {
    signal?.throwIfAborted()
    const id = this.#nextId++
    const worker = this.#start()
    return new Promise<string>((resolve, reject) => {
      const onAbort = () => {
        this.#jobs.delete(id)
        worker.postMessage({ kind: 'cancel', id } satisfies HashRequest)
        reject(signal?.reason)
        this.#stopWhenIdle()
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      const settled = () => signal?.removeEventListener('abort', onAbort)
      this.#jobs.set(id, {
        resolve: (sha256) => {
          settled()
          resolve(sha256)
        },
        reject: (err) => {
          settled()
          reject(err)
        },
        onProgress,
        onChunk,
      })
      worker.postMessage({ kind: 'hash', id, blob, chunkSize } satisfies HashRequest)
    })
  }

  /** No job left: the worker goes (a live worker holds the file's bytes and a thread). */
  #stopWhenIdle(): void {
    if (this.#jobs.size > 0 || !this.#worker) return
    this.#worker.terminate()
    this.#worker = undefined
  }

  #start(): Worker {
    if (this.#worker) return this.#worker
    const worker = new Worker(new URL('./sha256-worker.ts', import.meta.url), {
      type: 'module',
      name: 'sha256',
    })
    worker.addEventListener('message', (event: MessageEvent<HashReply>) => {
      const reply = event.data
      const job = this.#jobs.get(reply.id)
      if (!job) return
      if (reply.kind === 'progress') {
        job.onProgress?.(reply.bytes)
        return
      }
      if (reply.kind === 'chunk') {
        job.onChunk?.(reply.start, reply.sha256)
        return
      }
      this.#jobs.delete(reply.id)
      if (reply.kind === 'done') job.resolve(reply.sha256)
      else job.reject(new Error(`SHA-256 failed: ${reply.message}`))
      this.#stopWhenIdle()
    })
    // The worker could not start (or crashed): every job fails, the next one starts it anew.
    worker.addEventListener('error', (event) => {
      const err = new Error(`the SHA-256 worker failed: ${event.message || 'it could not start'}`)
      for (const job of this.#jobs.values()) job.reject(err)
      this.#jobs.clear()
      this.#worker = undefined
      worker.terminate()
    })
    this.#worker = worker
    return worker
  }
}

/** The page's one hasher. */
export const sha256Hasher = new Sha256Hasher()
