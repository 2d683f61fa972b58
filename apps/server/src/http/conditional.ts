/** What a representation offers to conditional requests. */
export interface Validators {
  /** Strong entity tag, quoted: `"abc"`. */
  etag: string
  lastModified: Date | undefined
}

/** The tags of an If-None-Match / If-Match list (`*` stays `*`). */
function tags(header: string): string[] {
  return header
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean)
}

const opaque = (tag: string) => tag.replace(/^W\//, '')

/**
 * True when a GET may answer 304 Not Modified: If-None-Match with weak comparison ("A recipient
 * MUST use the weak comparison function when comparing entity tags for If-None-Match",
 * RFC 9110 §13.1.2); else If-Modified-Since, which "A recipient MUST ignore ... if the request
 * contains an If-None-Match header field" (§13.1.3).
 */
export function notModified(
  headers: { ifNoneMatch?: string | undefined; ifModifiedSince?: string | undefined },
  v: Validators,
): boolean {
  if (headers.ifNoneMatch !== undefined) {
    const list = tags(headers.ifNoneMatch)
    return list.includes('*') || list.some((t) => opaque(t) === opaque(v.etag))
  }
  if (headers.ifModifiedSince !== undefined && v.lastModified) {
    const since = Date.parse(headers.ifModifiedSince)
    if (Number.isNaN(since)) return false
    return Math.floor(v.lastModified.getTime() / 1000) <= Math.floor(since / 1000)
  }
  return false
}

/**
 * True when a Range request may be served partially under its If-Range: "the server MUST use
 * the strong comparison function" for an entity tag, and a date must exactly match
 * Last-Modified (RFC 9110 §13.1.5); when it fails, the whole representation is sent.
 */
export function ifRangeHolds(header: string | undefined, v: Validators): boolean {
  if (header === undefined) return true
  const value = header.trim()
  if (value.startsWith('"') || value.startsWith('W/')) {
    return !value.startsWith('W/') && !v.etag.startsWith('W/') && value === v.etag
  }
  const date = Date.parse(value)
  if (Number.isNaN(date) || !v.lastModified) return false
  return Math.floor(date / 1000) === Math.floor(v.lastModified.getTime() / 1000)
}
