import { keyBelongsTo, type ObjectKeyParts, parseObjectKey } from '@uplink/core/object-key'

/**
 * A tus upload id is the object key `<ownerSegment>/<purpose>/<documentId>` (made by
 * `objectKey()`), served under `<path>/<ownerSegment>/<purpose>/<documentId>`; its grammar is
 * core's object-key grammar.
 */
export type UploadIdParts = ObjectKeyParts

/** Splits an upload id into its key segments; undefined for anything we did not make. */
export const parseUploadId = parseObjectKey

/** True when the upload id is under this user's key prefix. */
export const belongsTo = keyBelongsTo

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
