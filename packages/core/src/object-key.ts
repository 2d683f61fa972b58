/**
 * The object-key grammar, build and parse: `<ownerSegment>/<purpose>/<documentId>`, and
 * `staging/<objectKey>` for put/post bytes awaiting confirm. Node-only (hashes odd owner ids),
 * so it is exported as `@uplink/core/object-key`, outside the browser-safe index.
 */
import { createHash } from 'node:crypto'

const OWNER = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/
/** A purpose name is a key segment (same rule as `policiesSchema`). */
const PURPOSE = /^[a-z][a-z0-9-]{0,31}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

/**
 * A user id as one key segment. Ids that could be read as a path (`..`, `a/b`) or that carry
 * odd characters are hashed, so a key can never escape its owner's prefix.
 */
export function ownerSegment(ownerId: string): string {
  if (OWNER.test(ownerId)) return ownerId
  return `u-${createHash('sha256').update(ownerId).digest('hex').slice(0, 40)}`
}

/** The object key of a document: `<ownerId>/<purpose>/<documentId>`. Never from client input. */
export function objectKey(parts: { ownerId: string; purpose: string; documentId: string }): string {
  return `${ownerSegment(parts.ownerId)}/${parts.purpose}/${parts.documentId}`
}

/** The segments of an object key. */
export interface ObjectKeyParts {
  ownerSegment: string
  purpose: string
  documentId: string
}

/** Splits an object key into its segments; undefined for anything `objectKey()` did not make. */
export function parseObjectKey(key: string): ObjectKeyParts | undefined {
  const parts = key.split('/')
  if (parts.length !== 3) return undefined
  const [owner, purpose, documentId] = parts as [string, string, string]
  if (!OWNER.test(owner) || owner === '.' || owner === '..') return undefined
  if (!PURPOSE.test(purpose) || !UUID.test(documentId)) return undefined
  return { ownerSegment: owner, purpose, documentId }
}

/** True when the key's owner segment is this user's (the same segment `objectKey()` uses). */
export function keyBelongsTo(parts: ObjectKeyParts, userId: string): boolean {
  return parts.ownerSegment === ownerSegment(userId)
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

const POSTER_SUFFIX = '.poster.jpg'

/** The derived poster JPEG of a video document: `<objectKey>.poster.jpg`. */
export function posterKey(servedKey: string): string {
  return `${servedKey}${POSTER_SUFFIX}`
}

/** The served key a poster key belongs to, or undefined when `key` is not a poster key. */
export function parsePosterKey(key: string): string | undefined {
  return key.endsWith(POSTER_SUFFIX) ? key.slice(0, -POSTER_SUFFIX.length) : undefined
}
