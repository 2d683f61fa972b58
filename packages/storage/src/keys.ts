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

const STAGING_PREFIX = 'staging/'

/**
 * Where a single-shot upload (presigned PUT or POST) lands before confirm: `staging/<objectKey>`.
 * Confirm copies it to the served key, so no signed URL can ever write the served object.
 */
export function stagingKey(servedKey: string): string {
  return `${STAGING_PREFIX}${servedKey}`
}

/**
 * The served key a staging key belongs to, or undefined when `key` is not a staging key.
 * Exactly three segments follow the prefix, so an owner called `staging` is not mistaken for one.
 */
export function parseStagingKey(key: string): string | undefined {
  if (!key.startsWith(STAGING_PREFIX)) return undefined
  const served = key.slice(STAGING_PREFIX.length)
  return served.split('/').length === 3 ? served : undefined
}

/** Upload methods whose bytes land on the staging key (multipart and tus write the served key). */
export function isStagedMethod(method: string): boolean {
  return method === 'put' || method === 'post'
}

/** The key a client's upload writes to: the staging key for put/post, the served key otherwise. */
export function uploadKey(doc: { objectKey: string; method: string }): string {
  return isStagedMethod(doc.method) ? stagingKey(doc.objectKey) : doc.objectKey
}
