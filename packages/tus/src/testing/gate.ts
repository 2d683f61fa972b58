/** Holds calls until the test opens it; tells how many have arrived. */
export class Gate {
  private arrived = 0
  private waiters: { count: number; resolve: () => void }[] = []
  private openGate!: () => void
  isOpen = false
  readonly opened = new Promise<void>((resolve) => {
    this.openGate = resolve
  })

  /** A call arrived and waits for the gate. */
  arrive(): void {
    this.arrived++
    for (const w of this.waiters.filter((w) => this.arrived >= w.count)) w.resolve()
    this.waiters = this.waiters.filter((w) => this.arrived < w.count)
  }

  /** Resolves once `count` calls wait at the gate. */
  reached(count = 1): Promise<void> {
    if (this.arrived >= count) return Promise.resolve()
    return new Promise((resolve) => this.waiters.push({ count, resolve }))
  }

  /** Lets every held call (and every later one) through. */
  open(): void {
    this.isOpen = true
    this.openGate()
  }
}
