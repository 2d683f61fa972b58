/** Median of a non-empty list. */
export function median(values: number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing')
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export const MiB = 1024 * 1024

/** Throughput in MB/s (10^6 bytes, as disks and networks are quoted). */
export function mbPerSecond(bytes: number, ms: number): number {
  return bytes / 1e6 / (ms / 1000)
}

export function round(value: number, digits = 1): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

/** The p-th percentile (0–100) of a non-empty list, nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) throw new RangeError('percentile of nothing')
  const sorted = [...values].sort((a, b) => a - b)
  const rank = Math.ceil((p / 100) * sorted.length)
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!
}
