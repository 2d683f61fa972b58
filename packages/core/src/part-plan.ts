import { MiB } from './sizes.ts'

/** S3's multipart limits: parts of 5 MiB–5 GiB (the last may be smaller), at most 10,000. */
export const MULTIPART_LIMITS = {
  minPartSize: 5 * MiB,
  maxPartSize: 5 * 1024 * MiB,
  maxParts: 10_000,
} as const

/** The part size every multipart and tus upload prefers (grown when 10,000 parts are too few). */
export const DEFAULT_PART_SIZE = 16 * MiB

/** How a multipart upload is cut: every part `partSize` bytes except a shorter last one. */
export interface PartPlan {
  size: number
  partSize: number
  partCount: number
}

/**
 * Picks one part size for the whole upload (R2 wants all parts equal but the last):
 * at least `preferred`, rounded up to whole MiB, large enough for ≤ 10,000 parts.
 * Throws RangeError for an object over S3's multipart limit.
 */
export function planParts(
  size: number,
  preferred = DEFAULT_PART_SIZE,
): { partSize: number; partCount: number } {
  const needed = Math.ceil(size / MULTIPART_LIMITS.maxParts)
  let partSize = Math.max(preferred, MULTIPART_LIMITS.minPartSize, needed)
  partSize = Math.ceil(partSize / MiB) * MiB
  if (partSize > MULTIPART_LIMITS.maxPartSize) {
    throw new RangeError(`a ${size}-byte object is over S3's multipart limit`)
  }
  return { partSize, partCount: Math.max(1, Math.ceil(size / partSize)) }
}

/** The size part `partNumber` must have under `plan`. */
export function expectedPartSize(plan: PartPlan, partNumber: number): number {
  return partNumber < plan.partCount
    ? plan.partSize
    : plan.size - plan.partSize * (plan.partCount - 1)
}
