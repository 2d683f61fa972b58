import { ownerSegment } from '@uplink/storage'

/**
 * A tus upload id is the object key `<ownerSegment>/<purpose>/<documentId>` (made by
 * `objectKey()`), served under `<path>/<ownerSegment>/<purpose>/<documentId>`.
 */
const OWNER = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,127}$/
const PURPOSE = /^[a-z][a-z0-9-]{0,31}$/
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

export interface UploadIdParts {
  ownerSegment: string
  purpose: string
  documentId: string
}

/** Splits an upload id into its key segments; undefined for anything we did not make. */
export function parseUploadId(id: string): UploadIdParts | undefined {
  const parts = id.split('/')
  if (parts.length !== 3) return undefined
  const [owner, purpose, documentId] = parts as [string, string, string]
  if (!OWNER.test(owner) || owner === '.' || owner === '..') return undefined
  if (!PURPOSE.test(purpose) || !UUID.test(documentId)) return undefined
  return { ownerSegment: owner, purpose, documentId }
}

/** True when the upload id is under this user's key prefix. */
export function belongsTo(parts: UploadIdParts, userId: string): boolean {
  return parts.ownerSegment === ownerSegment(userId)
}

/**
 * Refuses request paths that could name something outside the upload: dot segments,
 * encoded slashes or backslashes, and NUL (checked on the raw path, before any URL parser
 * normalises `..` away).
 */
export function isSafeRawPath(rawUrl: string): boolean {
  const path = rawUrl.split('?')[0] ?? ''
  if (path.includes('\\') || path.includes('\0') || /%(2f|5c|00|2e)/i.test(path)) return false
  // `..` as a path segment, or leading a segment (`../x`, `..x`); `a..b` inside an owner id is plain.
  return !path.split('/').some((segment) => segment === '.' || segment.startsWith('..'))
}

/** The upload id in a request path under `basePath`, or undefined if it is not one of ours. */
export function uploadIdFromPath(basePath: string, pathname: string): string | undefined {
  const prefix = `${basePath.replace(/\/$/, '')}/`
  if (!pathname.startsWith(prefix)) return undefined
  const id = pathname.slice(prefix.length).replace(/\/$/, '')
  return parseUploadId(id) ? id : undefined
}
