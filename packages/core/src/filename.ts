const MAX_FILENAME_CHARS = 255

/** Longest filename accepted as input; longer is a client bug, not something to truncate. */
export const MAX_FILENAME_INPUT = 1024

/**
 * Makes a client-supplied filename safe to store and display: no path, no control or
 * bidi-override characters, at most 255 characters (the extension kept). Never used in keys.
 */
export function sanitizeFilename(input: string): string {
  const base = input.split(/[/\\]/).pop() ?? ''
  // C0/C1 controls and bidi overrides that can disguise an extension are dropped.
  let name = base
    .normalize('NFC')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping controls is the point.
    .replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^\.+/, '')
  if (name.length === 0) name = 'file'
  if (name.length > MAX_FILENAME_CHARS) {
    const dot = name.lastIndexOf('.')
    const ext = dot > 0 && name.length - dot <= 16 ? name.slice(dot) : ''
    name = name.slice(0, MAX_FILENAME_CHARS - ext.length) + ext
  }
  return name
}

/** RFC 6266 Content-Disposition: an ASCII fallback plus the UTF-8 `filename*` (RFC 8187). */
export function contentDisposition(type: 'inline' | 'attachment', filename: string): string {
  const name = sanitizeFilename(filename)
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%]/g, '_')
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  )
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`
}

/** Types a browser may render inline without running script from our origin. */
const INLINE_SAFE = new Set([
  'application/pdf',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'video/mp4',
  'video/webm',
  'video/quicktime',
  'text/plain',
])

export function dispositionTypeFor(contentType: string): 'inline' | 'attachment' {
  return INLINE_SAFE.has(contentType) ? 'inline' : 'attachment'
}
