/**
 * One CORS answer for every /files response, whichever code wrote it: an allowed Origin is
 * echoed with `Vary: Origin`; no Origin or a foreign one gets no Access-Control-* header at all.
 * With no allowed origins configured, nothing is ever allowed (never `*`).
 */
export function applyCors(
  headers: Headers,
  allowedOrigins: readonly string[],
  origin: string | null,
) {
  const allowed = origin !== null && allowedOrigins.includes(origin)
  if (allowed) {
    headers.set('Access-Control-Allow-Origin', origin)
  } else {
    for (const name of [...headers.keys()]) {
      if (name.startsWith('access-control-')) headers.delete(name)
    }
  }
  // The answer depends on Origin, so caches must key on it (also when this one had none).
  const vary = headers.get('Vary')
  if (!vary?.split(/\s*,\s*/).some((v) => v.toLowerCase() === 'origin')) {
    headers.set('Vary', vary ? `${vary}, Origin` : 'Origin')
  }
}
