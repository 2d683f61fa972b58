/**
 * Uploads this process created whose state no request has read or written since, so the first
 * one need not ask S3 what the creation just made. Bounded: past `max` ids, the oldest are
 * forgotten (their first request then reads S3 as any other).
 */
export class FreshUploads {
  private readonly ids = new Set<string>()

  constructor(private readonly max = 10_000) {}

  add(id: string): void {
    this.ids.add(id)
    if (this.ids.size > this.max) {
      // Sets iterate in insertion order: forget the oldest.
      const oldest = this.ids.values().next().value
      if (oldest !== undefined) this.ids.delete(oldest)
    }
  }

  /** True once for an id added and not taken or deleted since. */
  take(id: string): boolean {
    return this.ids.delete(id)
  }

  delete(id: string): void {
    this.ids.delete(id)
  }
}
