import { createHash } from 'node:crypto'

const PLAIN_SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/

/**
 * A user id as one key segment. Ids that could be read as a path (`..`, `a/b`) or that carry
 * odd characters are hashed, so a key can never escape its owner's prefix.
 */
export function ownerSegment(ownerId: string): string {
  if (PLAIN_SEGMENT.test(ownerId)) return ownerId
  return `u-${createHash('sha256').update(ownerId).digest('hex').slice(0, 40)}`
}

/** The object key of a document: `<ownerId>/<purpose>/<documentId>`. Never from client input. */
export function objectKey(parts: { ownerId: string; purpose: string; documentId: string }): string {
  return `${ownerSegment(parts.ownerId)}/${parts.purpose}/${parts.documentId}`
}
