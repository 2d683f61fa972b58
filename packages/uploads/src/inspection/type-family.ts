import { normalizeContentType } from '@uplink/core'

/** Formats with no magic bytes: nothing to sniff, so nothing to contradict the declared type. */
const TEXTUAL = /^(text\/|application\/(json|xml|csv|x-ndjson)$|image\/svg\+xml$)/

/** Families in which any member may stand in for another (a PNG declared as JPEG is still an image). */
const MEDIA_FAMILIES = new Set(['image', 'video', 'audio'])

const family = (type: string) => type.split('/')[0] ?? ''

/**
 * Compares the sniffed type with the declared one. Returns why they disagree, or undefined.
 * Media types match within their family when the purpose allows that family; any other type
 * (PDF, archives, executables) must match exactly.
 */
export function typeMismatch(
  declaredType: string,
  detected: { mime: string; ext: string } | undefined,
  allowedTypes: readonly string[],
): string | undefined {
  const declared = normalizeContentType(declaredType)
  if (!detected) {
    if (TEXTUAL.test(declared)) return undefined
    return `the content is not recognisable as ${declared}`
  }
  const actual = normalizeContentType(detected.mime)
  if (actual === declared) return undefined
  const fam = family(actual)
  if (
    MEDIA_FAMILIES.has(fam) &&
    fam === family(declared) &&
    allowedTypes.some((t) => family(normalizeContentType(t)) === fam)
  ) {
    return undefined
  }
  return `the content is ${actual} (.${detected.ext}), not the declared ${declared}`
}
