import {
  checkUpload,
  formatBytes,
  MiB,
  normalizeContentType,
  type Policies,
  PolicyError,
  type UploadMethod,
} from '@uplink/core'

/** Files at least this large never go up in one request: tus, or presigned multipart. */
export const LARGE_FILE_BYTES = 100 * MiB

/**
 * Preferred methods per purpose, best first. Documents use a PUT with a signed SHA-256 (S3
 * refuses any other body); images a POST policy (S3 enforces the exact size); videos tus.
 */
const PREFERRED: Record<string, readonly UploadMethod[]> = {
  video: ['tus', 'multipart'],
  image: ['post', 'put', 'tus', 'multipart'],
  document: ['put', 'post', 'tus', 'multipart'],
}
const FALLBACK: readonly UploadMethod[] = ['put', 'post', 'tus', 'multipart']
const LARGE: readonly UploadMethod[] = ['tus', 'multipart']

export interface UploadPlan {
  purpose: string
  /** Normalised media type, exactly what is declared and signed. */
  contentType: string
  method: UploadMethod
}

/** The purpose a media type belongs to: `video/*` → video, `image/*` → image, else document. */
function preferredPurpose(contentType: string): string {
  if (contentType.startsWith('video/')) return 'video'
  if (contentType.startsWith('image/')) return 'image'
  return 'document'
}

/**
 * Decides purpose and method for a file, checked against the same policies the server
 * enforces. Throws PolicyError (with the policy's own message) when no upload would be accepted.
 */
export function planUpload(
  policies: Policies,
  file: { type: string | undefined; size: number },
): UploadPlan {
  const contentType = normalizeContentType(file.type ?? '') || 'application/octet-stream'
  const natural = preferredPurpose(contentType)
  const accepting = Object.keys(policies).filter((name) =>
    policies[name]?.contentTypes.includes(contentType),
  )
  const purpose = accepting.includes(natural) ? natural : (accepting[0] ?? natural)
  const policy = policies[purpose]
  const order = file.size >= LARGE_FILE_BYTES ? LARGE : (PREFERRED[purpose] ?? FALLBACK)
  const method =
    order.find((m) => policy?.methods.includes(m)) ?? policy?.methods[0] ?? order[0] ?? 'put'
  // Throws the policy's message for an unknown type, a size over the limit, or an empty file.
  checkUpload(policies, { purpose, contentType, size: file.size, method })
  if (!accepting.includes(purpose)) {
    throw new PolicyError('type_not_allowed', 'contentType', `${contentType} is not accepted`)
  }
  return { purpose, contentType, method }
}

/** "video up to 50 GiB · document up to 25 MiB · …" for the drop zone's note. */
export function policySummary(policies: Policies): string {
  return Object.entries(policies)
    .map(([purpose, policy]) => `${purpose} up to ${formatBytes(policy.maxBytes)}`)
    .join(' · ')
}
