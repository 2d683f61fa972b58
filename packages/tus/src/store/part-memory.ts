/** A part buffer lent by PartMemory and the function that returns it (safe to call twice). */
export interface LentBuffer {
  buffer: Buffer
  giveBack: () => void
}

/** Returned buffers are kept this long for the next parts, then freed. */
const KEEP_IDLE_MS = 30_000

/**
 * The bytes of parts a process may hold in memory while they fill and are sent (process-wide).
 * A part that finds no room here goes to a temp file instead, so memory stays bounded whatever
 * the number and size of uploads, and a stalled client never makes another upload wait.
 * Buffers are reused (a fresh 16 MiB buffer costs a page fault per 4 KiB and GC pressure) and
 * freed once none has been lent for a while.
 */
export class PartMemory {
  private free: number
  private readonly pool: Buffer[] = []
  private lent = 0
  private idleTimer: NodeJS.Timeout | undefined

  /** `bytes`: the budget; 0 keeps every part on disk. */
  constructor(readonly bytes: number) {
    this.free = Math.max(0, bytes)
  }

  /** A buffer of `size` bytes if the budget has room, else undefined. */
  take(size: number): LentBuffer | undefined {
    const pooled = this.pool.findIndex((b) => b.length === size)
    let buffer: Buffer
    if (pooled >= 0) {
      buffer = this.pool.splice(pooled, 1)[0] as Buffer
    } else {
      // Room for a new buffer: the unlent ones of other sizes go first.
      while (size > this.free && this.pool.length > 0) this.free += this.pool.pop()?.length ?? 0
      if (size > this.free) return undefined
      this.free -= size
      buffer = Buffer.allocUnsafeSlow(size)
    }
    this.lent++
    clearTimeout(this.idleTimer)
    let given = false
    const giveBack = () => {
      if (given) return
      given = true
      this.pool.push(buffer)
      if (--this.lent === 0) this.freeWhenIdle()
    }
    return { buffer, giveBack }
  }

  /** Bytes neither lent nor pooled (for tests and metrics). */
  get available(): number {
    return this.free
  }

  private freeWhenIdle(): void {
    clearTimeout(this.idleTimer)
    this.idleTimer = setTimeout(() => {
      for (const b of this.pool.splice(0)) this.free += b.length
    }, KEEP_IDLE_MS)
    this.idleTimer.unref()
  }
}
