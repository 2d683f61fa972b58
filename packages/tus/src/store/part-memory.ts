/** Room for one part lent by PartMemory and the function that returns it (safe to call twice). */
export interface LentRoom {
  giveBack: () => void
}

/**
 * The bytes of parts a process may hold in memory while they fill and are sent (process-wide).
 * A part that finds no room here goes to a temp file instead, so memory stays bounded whatever
 * the number and size of uploads, and a stalled client never makes another upload wait.
 * Only room is lent, no buffer: a part in memory keeps the body's own chunks (part-uploads.ts),
 * which the garbage collector frees once the part is sent, so nothing stays allocated when idle.
 */
export class PartMemory {
  private free: number

  /** `bytes`: the budget; 0 keeps every part on disk. */
  constructor(readonly bytes: number) {
    this.free = Math.max(0, bytes)
  }

  /** Room for a part of `size` bytes if the budget has it, else undefined. */
  take(size: number): LentRoom | undefined {
    if (size > this.free) return undefined
    this.free -= size
    let given = false
    return {
      giveBack: () => {
        if (given) return
        given = true
        this.free += size
      },
    }
  }

  /** Bytes not lent (for tests and metrics). */
  get available(): number {
    return this.free
  }
}
