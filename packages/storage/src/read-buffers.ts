/** Bytes one socket read may take: a streamed GET's body arrives in chunks up to this. */
export const READ_BYTES = 512 * 1024

/**
 * The read buffers of a getter's connections, reused instead of allocated per read: a buffer
 * goes from `take` into one socket read, then to whoever holds the bytes (a write to a client
 * in flight), and back with `give` once nothing refers to it. Only buffers it made come back
 * in; at most `idleLimit` wait here, the rest are left to the GC.
 */
export class ReadBuffers {
  private readonly idle: Buffer[] = []
  private readonly mine = new WeakSet<Buffer>()

  constructor(private readonly idleLimit = 16) {}

  take(): Buffer {
    const reused = this.idle.pop()
    if (reused) return reused
    const buffer = Buffer.allocUnsafeSlow(READ_BYTES)
    this.mine.add(buffer)
    return buffer
  }

  /** Hands a buffer back: the caller must hold no view of it any more. */
  give(buffer: Buffer): void {
    // A buffer given twice would be read into by two sockets at once: keep it once only.
    if (!this.mine.has(buffer) || this.idle.includes(buffer)) return
    if (this.idle.length < this.idleLimit) this.idle.push(buffer)
  }
}
