import type { LedgerPart, PartLedger } from '../store/part-ledger.ts'

/** The part ledger in memory, for unit tests (the store's is the `tus_parts` table). */
export class MemoryPartLedger implements PartLedger {
  readonly uploads = new Map<string, Map<number, LedgerPart>>()

  async record(uploadId: string, part: LedgerPart): Promise<void> {
    const parts = this.uploads.get(uploadId) ?? new Map<number, LedgerPart>()
    parts.set(part.partNumber, { ...part })
    this.uploads.set(uploadId, parts)
  }

  async list(uploadId: string): Promise<Map<number, LedgerPart>> {
    return new Map([...(this.uploads.get(uploadId) ?? [])].map(([n, p]) => [n, { ...p }]))
  }

  async forget(uploadId: string, partNumber?: number): Promise<void> {
    if (partNumber === undefined) this.uploads.delete(uploadId)
    else this.uploads.get(uploadId)?.delete(partNumber)
  }

  /** The recorded part numbers of an upload, in order. */
  numbers(uploadId: string): number[] {
    return [...(this.uploads.get(uploadId)?.keys() ?? [])].sort((a, b) => a - b)
  }
}
