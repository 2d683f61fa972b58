import { Readable, type Writable } from 'node:stream'
import type { ReadBuffers } from './read-buffers.ts'

/** Read buffers of one body on their way to a client at once; past this S3's socket waits. */
export const BUFFERS_IN_FLIGHT = 4

/** S3 closed the connection (or sent what cannot be read) before the body was complete. */
export class BodyCutError extends Error {
  override readonly name = 'BodyCutError'
  readonly code = 'ECONNRESET'
}

/** The connection a body is read from, as the body sees it. */
export interface BodySource {
  /** Reads again after `accept` returned false. */
  resume(): void
  /** Closes the connection: the body will not be read to its end. */
  close(): void
}

/** One socket read's body bytes: views of `buffer` (a read may hold several chunks' data). */
interface Read {
  pieces: Buffer[]
  buffer: Buffer
}

/**
 * The body of one S3 GET. As a Readable it copies each read out of the read buffer, as Node's
 * HTTP client does. `sendTo` writes the read buffers themselves to the client and reuses each
 * once the client's socket has taken it: no copy, no allocation per read, and at most
 * `BUFFERS_IN_FLIGHT` buffers per body whatever its size or the client's pace.
 */
export class ObjectBody extends Readable {
  private mode: 'waiting' | 'readable' | 'piping' = 'waiting'
  /** Reads that came before a consumer. */
  private early: Read[] = []
  private complete = false
  private pipeRead: ((read: Read) => boolean) | undefined
  private pipeEnd: (() => void) | undefined

  constructor(
    readonly statusCode: number,
    readonly headers: Readonly<Record<string, string>>,
    private readonly buffers: ReadBuffers,
    private readonly source: BodySource,
  ) {
    super({ highWaterMark: 1024 * 1024 })
  }

  /** Takes one read's body bytes; false when the connection should stop reading for now. */
  accept(pieces: Buffer[], buffer: Buffer): boolean {
    const read = { pieces, buffer }
    if (this.mode === 'piping') return this.pipeRead!(read)
    if (this.mode === 'readable') return this.pushCopy(read)
    this.early.push(read)
    return false
  }

  /** The body is complete: the connection no longer belongs to it. */
  end(): void {
    this.complete = true
    if (this.mode === 'piping') this.pipeEnd!()
    else if (this.mode === 'readable') this.push(null)
  }

  private pushCopy({ pieces, buffer }: Read): boolean {
    let more = true
    for (const piece of pieces) more = this.push(Buffer.from(piece))
    this.buffers.give(buffer)
    return more
  }

  override _read(): void {
    if (this.mode === 'waiting') {
      this.mode = 'readable'
      for (const read of this.early.splice(0)) this.pushCopy(read)
      if (this.complete) return void this.push(null)
    }
    if (!this.complete) this.source.resume()
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    if (!this.complete) this.source.close()
    for (const { buffer } of this.early.splice(0)) this.buffers.give(buffer)
    // As Node's IncomingMessage: no 'error' event nobody listens for (a body dropped by a caller
    // that went away); `errored`, the promise of `sendTo` and async iteration still carry it.
    callback(this.listenerCount('error') > 0 ? err : null)
  }

  /**
   * Writes the whole body to `dest` (an http.ServerResponse; ending it is the caller's) with
   * back-pressure: each read buffer goes back to the pool once `dest` has flushed it, and S3's
   * socket waits while `BUFFERS_IN_FLIGHT` are out. Rejects if S3 cuts the body, if this body
   * is destroyed, or if `dest` closes first (this body is then destroyed).
   */
  sendTo(dest: Writable): Promise<void> {
    if (this.mode !== 'waiting') throw new Error('the body is already being read')
    // S3 may have cut the connection before the caller got here.
    if (this.destroyed) {
      return Promise.reject(this.errored ?? new BodyCutError('the S3 GET was closed'))
    }
    this.mode = 'piping'
    return new Promise<void>((resolve, reject) => {
      let inFlight = 0
      let waiting = false
      let settled = false
      const settle = (err?: Error) => {
        if (settled) return
        settled = true
        dest.off('close', onDestClose)
        this.off('close', onClose)
        if (err) {
          this.destroy(err)
          reject(err)
        } else resolve()
      }
      const onDestClose = () => settle(new Error('the client closed the connection'))
      const onClose = () => settle(this.errored ?? new BodyCutError('the S3 GET was closed'))
      dest.once('close', onDestClose)
      this.once('close', onClose)

      const flushed = (buffer: Buffer) => () => {
        inFlight--
        this.buffers.give(buffer)
        if (waiting && inFlight < BUFFERS_IN_FLIGHT && !settled) {
          waiting = false
          this.source.resume()
        }
      }
      this.pipeRead = ({ pieces, buffer }) => {
        if (pieces.length === 0) {
          this.buffers.give(buffer)
          return true
        }
        inFlight++
        // Writes to one socket complete in order: the last piece's callback frees the buffer.
        const last = pieces.length - 1
        for (let i = 0; i < last; i++) dest.write(pieces[i])
        dest.write(pieces[last], flushed(buffer))
        waiting = inFlight >= BUFFERS_IN_FLIGHT
        return !waiting
      }
      this.pipeEnd = () => settle()
      let go = true
      for (const read of this.early.splice(0)) go = this.pipeRead(read)
      if (this.complete) return settle()
      if (go) this.source.resume()
    })
  }
}
