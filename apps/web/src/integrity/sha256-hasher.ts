import type { HashReply, HashRequest, PieceDigest } from './protocol.ts'

/** The digests of one file being uploaded, made in the worker (see `FileDigests`). */
export interface FileHashing {
  /** Base64 digest (as opened: CRC32 or SHA-256) of `[start, end)`; those bytes then feed the whole file's SHA-256. */
  piece(start: number, end: number): Promise<string>
  /**
   * The digest of `[start, end)` and those very bytes (read once, in the worker, and handed
   * over once they also fed the whole file's SHA-256): what an upload sends is what was hashed.
   */
  pieceWithBytes(start: number, end: number): Promise<{ digest: string; bytes: ArrayBuffer }>
  /** Base64 SHA-256 of the whole file, once every byte was fed. */
  whole(): Promise<string>
  /** Forgets the file (its digests are no longer wanted). */
  close(): void
}

interface Job {
  resolve(reply: { digest: string; bytes?: ArrayBuffer }): void
  reject(err: Error): void
}

/**
 * Digests of files being uploaded, in a Web Worker (started on first use, stopped when no file
 * is open): base64, as tus's `Upload-Checksum` (CRC32) and `Repr-Digest` (SHA-256) want them.
 */
export class Sha256Hasher {
  #worker: Worker | undefined
  /** Files open in the current worker (a worker that failed took its files with it). */
  #open = new Set<number>()
  #jobs = new Map<number, Job>()
  #nextId = 1

  /** Starts the digests of `blob`; each piece's own digest is `pieceDigest` (tus: CRC32). */
  open(blob: Blob, pieceDigest: PieceDigest = 'crc32'): FileHashing {
    const worker = this.#start()
    const file = this.#nextId++
    this.#open.add(file)
    worker.postMessage({ kind: 'open', file, blob, pieceDigest } satisfies HashRequest)
    return {
      piece: async (start, end) =>
        (await this.#ask(file, (id) => ({ kind: 'piece', id, file, start, end }))).digest,
      pieceWithBytes: async (start, end) => {
        const { digest, bytes } = await this.#ask(file, (id) => ({
          kind: 'piece',
          id,
          file,
          start,
          end,
          withBytes: true,
        }))
        if (!bytes) throw new Error('the SHA-256 worker sent no bytes')
        return { digest, bytes }
      },
      whole: async () => (await this.#ask(file, (id) => ({ kind: 'whole', id, file }))).digest,
      close: () => {
        if (!this.#open.delete(file)) return
        this.#worker?.postMessage({ kind: 'close', file } satisfies HashRequest)
        this.#stopWhenIdle()
      },
    }
  }

  #ask(
    file: number,
    request: (id: number) => HashRequest,
  ): Promise<{ digest: string; bytes?: ArrayBuffer }> {
    const worker = this.#worker
    if (!worker || !this.#open.has(file)) {
      return Promise.reject(new Error('the file’s SHA-256 was lost (its worker stopped)'))
    }
    const id = this.#nextId++
    return new Promise((resolve, reject) => {
      this.#jobs.set(id, { resolve, reject })
      worker.postMessage(request(id))
    })
  }

  /** No file left: the worker goes (a live worker is a thread). */
  #stopWhenIdle(): void {
    if (this.#open.size > 0 || this.#jobs.size > 0 || !this.#worker) return
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
      this.#jobs.delete(reply.id)
      if (reply.kind === 'done') job.resolve(reply)
      else job.reject(new Error(`SHA-256 failed: ${reply.message}`))
      this.#stopWhenIdle()
    })
    // The worker could not start (or crashed): its jobs and files fail, the next file starts it anew.
    worker.addEventListener('error', (event) => {
      const err = new Error(`the SHA-256 worker failed: ${event.message || 'it could not start'}`)
      for (const job of this.#jobs.values()) job.reject(err)
      this.#jobs.clear()
      this.#open.clear()
      this.#worker = undefined
      worker.terminate()
    })
    this.#worker = worker
    return worker
  }
}

/** The page's one hasher. */
export const sha256Hasher = new Sha256Hasher()
