/** Expiry bounds in seconds (docs/architecture.md, security rule 3: short-lived signatures). */
export const EXPIRY_LIMITS = {
  upload: { min: 60, max: 15 * 60, default: 10 * 60 },
  download: { min: 1, max: 15 * 60, default: 2 * 60 },
} as const

export type ExpiryKind = keyof typeof EXPIRY_LIMITS

/** Validates an expiry in seconds against its kind's bounds; throws naming the bounds. */
export function checkExpiry(kind: ExpiryKind, seconds: number | undefined): number {
  const limits = EXPIRY_LIMITS[kind]
  const value = seconds ?? limits.default
  if (!Number.isInteger(value) || value < limits.min || value > limits.max) {
    throw new RangeError(
      `${kind} expiry must be a whole number of seconds from ${limits.min} to ${limits.max}, got ${value}`,
    )
  }
  return value
}
