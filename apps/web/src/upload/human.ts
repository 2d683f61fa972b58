import type { Policies, Policy } from '@uplink/core/browser'

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

/** Sizes in decimal units as file managers show them: "740 KB", "31.5 MB", "53.7 GB". */
export function formatSize(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000
    unit++
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1
  return `${value.toFixed(digits).replace(/\.0$/, '')} ${units[unit]}`
}

/** "PDF, PNG or JPEG up to 26.2 MB" */
export function policyText(policy: Policy): string {
  const names = [...new Set(policy.contentTypes.map(typeName))]
  const list =
    names.length > 1 ? `${names.slice(0, -1).join(', ')} or ${names.at(-1)}` : (names[0] ?? '')
  return `${list} up to ${formatSize(policy.maxBytes)}`
}

/** Every type any purpose accepts, as names: for "Uplink accepts …". */
export function acceptedTypeNames(policies: Policies): string {
  const names = [...new Set(Object.values(policies).flatMap((p) => p.contentTypes.map(typeName)))]
  return names.join(', ')
}
