import { type Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { isSyncInspected, type Policies, policyFor } from '@uplink/core'
import { Inspection, type Scanner } from '@uplink/uploads'
import { parseUploadId } from '../protocol/upload-id.ts'

interface Session {
  inspection: Inspection
  touched: number
}

/** A session unused this long is dropped (its clamd connection has timed out anyway). */
const IDLE_MS = 10 * 60_000

/**
 * The in-process inspections of tus uploads: each PATCH body passes through its upload's
 * inspection on the way to the store (one pass: the part, its checksum and the inspection).
 * Purposes with `inspection: sync` are judged by it before the upload succeeds, clamd included;
 * `async` purposes get their type sniff and SHA-256 from it (no clamd: the worker scans), when
 * `streamAsync` says the stream may stand for the stored bytes (see ChecksumTrust). A session is
 * valid only while it has seen exactly the bytes the store holds, in order (bytes 0 … offset);
 * any doubt (a PATCH that failed, a resume on another instance, a restart) drops it, and the
 * upload is then inspected from storage at the end — never skipped.
 */
export class SyncInspections {
  readonly #sessions = new Map<string, Session>()

  constructor(
    private readonly deps: {
      policies: Policies
      scanner: Scanner | undefined
      /**
       * Whether uploads of `async` purposes are inspected on the way too: false once the store
       * is known not to refuse wrong checksums (then the worker reads them back anyway).
       */
      streamAsync?: (() => boolean) | undefined
    },
  ) {}

  /** The PATCH body for upload `id` at `offset`, inspected on the way when it can be. */
  tap(id: string, offset: number, src: Readable): Readable {
    const purpose = parseUploadId(id)?.purpose
    if (!purpose || !Object.hasOwn(this.deps.policies, purpose)) return src
    const sync = isSyncInspected(this.deps.policies, purpose)
    if (!sync && !this.deps.streamAsync?.()) return src
    this.#sweep()
    let session = this.#sessions.get(id)
    if (session && session.inspection.size !== offset) {
      this.drop(id)
      session = undefined
    }
    if (!session) {
      // Bytes before `offset` went through another process: inspected from storage at the end.
      if (offset !== 0) return src
      const { maxBytes } = policyFor(this.deps.policies, purpose)
      // clamd gets a sync purpose's bytes here; an async purpose's are scanned by the worker.
      const scanner = sync ? this.deps.scanner : undefined
      session = { inspection: new Inspection(scanner, maxBytes), touched: Date.now() }
      this.#sessions.set(id, session)
    }
    const { inspection } = session
    const through = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        inspection.write(chunk).then(() => done(null, chunk), done)
      },
    })
    pipeline(src, through).catch(() => {
      // A body that failed (the request errored, the store stopped reading it): whatever the
      // store kept, the upload is inspected from storage at the end. (A client that goes away
      // ends the body cleanly; the store's offset then says what the session may go on from.)
      if (this.#sessions.get(id) === session) this.drop(id)
    })
    return through
  }

  /** After a write: the session stays only if it saw exactly the `offset` bytes now stored. */
  settle(id: string, offset: number): void {
    const session = this.#sessions.get(id)
    if (!session) return
    session.touched = Date.now()
    if (session.inspection.size !== offset) this.drop(id)
  }

  /** The finished upload's inspection, if this process saw all `size` bytes of it. */
  take(id: string, size: number): Inspection | undefined {
    const session = this.#sessions.get(id)
    this.#sessions.delete(id)
    if (!session) return undefined
    if (session.inspection.size === size) return session.inspection
    session.inspection.abort()
    return undefined
  }

  /** Forgets an upload's session (and closes its scanner connection). */
  drop(id: string): void {
    this.#sessions.get(id)?.inspection.abort()
    this.#sessions.delete(id)
  }

  /** Sessions in this process (for tests and metrics). */
  get size(): number {
    return this.#sessions.size
  }

  #sweep(): void {
    const stale = Date.now() - IDLE_MS
    for (const [id, session] of this.#sessions) if (session.touched < stale) this.drop(id)
  }
}
