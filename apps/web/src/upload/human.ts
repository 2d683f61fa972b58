import { formatBytes, type Policies, type Policy } from '@uplink/core/browser'

const NAMES: Record<string, string> = {
  'application/pdf': 'PDF',
  'image/jpeg': 'JPEG',
  'video/quicktime': 'MOV',
  'video/x-matroska': 'MKV',
  'video/webm': 'WebM',
}

/** "PDF", "PNG", "MOV": what people call a media type. */
export function typeName(contentType: string): string {
  const subtype = contentType.split('/')[1] ?? contentType
  return NAMES[contentType] ?? subtype.replace(/^x-/, '').toUpperCase()
}

/** "PDF, PNG or JPEG up to 25 MiB" (binary units, as the server says them). */
export function policyText(policy: Policy): string {
  const names = [...new Set(policy.contentTypes.map(typeName))]
  const list =
    names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : (names[0] ?? '')
  return `${list} up to ${formatBytes(policy.maxBytes)}`
}

/** Every type any purpose accepts, as names: for "Uplink accepts …". */
export function acceptedTypeNames(policies: Policies): string {
  const names = [...new Set(Object.values(policies).flatMap((p) => p.contentTypes.map(typeName)))]
  return names.join(', ')
}
