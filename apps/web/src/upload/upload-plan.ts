import {
  checkUpload,
  formatBytes,
  MiB,
  normalizeContentType,
  type Policies,
  PolicyError,
  type UploadMethod,
} from '@uplink/core/browser'
import { acceptedTypeNames, typeName } from './human.ts'
import { typePhrase } from './type-names.ts'

/** Files at least this large never go up in one request: presigned multipart, or tus. */
export const LARGE_FILE_BYTES = 100 * MiB

/**
 * Preferred methods per purpose, best first. Documents use a PUT with a signed SHA-256 (S3
 * refuses any other body); images a POST policy (S3 enforces the exact size); videos presigned
 * multipart, tus when their policy does not allow it.
 */
const PREFERRED: Record<string, readonly UploadMethod[]> = {
  video: ['multipart', 'tus'],
  image: ['post', 'put', 'tus', 'multipart'],
  document: ['put', 'post', 'tus', 'multipart'],
}
const FALLBACK: readonly UploadMethod[] = ['put', 'post', 'tus', 'multipart']
/**
 * Large files: presigned multipart first (docs/web.md, "Faster large uploads": 4 parts in
 * flight straight to S3 beat tus's PATCHes through Uplink by wall time, Chromium and server
 * CPU), each part and the whole file hashed as they go; tus where the policy allows only it.
 */
const LARGE: readonly UploadMethod[] = ['multipart', 'tus']

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

/** The purposes that accept this type at this size, the natural one first. */
export function purposesFor(policies: Policies, contentType: string, size: number): string[] {
  const natural = preferredPurpose(contentType)
  return Object.keys(policies)
    .filter((name) => {
      const policy = policies[name]
      return policy?.contentTypes.includes(contentType) && size <= policy.maxBytes
    })
    .sort((a, b) => Number(b === natural) - Number(a === natural))
}

/** Why no purpose takes this file, in words a person can act on. */
function refusal(policies: Policies, name: string, contentType: string, size: number): PolicyError {
  if (size <= 0) return new PolicyError('empty', 'size', `${name} is empty (0 bytes).`)
  const accepting = Object.entries(policies).filter(([, p]) => p.contentTypes.includes(contentType))
  if (accepting.length === 0) {
    const kind = typePhrase(contentType, name) ?? 'of a type Uplink does not know'
    return new PolicyError(
      'type_not_allowed',
      'contentType',
      `${name} is ${kind}, which Uplink does not accept. Accepted: ${acceptedTypeNames(policies)}.`,
    )
  }
  const limit = Math.max(...accepting.map(([, p]) => p.maxBytes))
  return new PolicyError(
    'too_large',
    'size',
    `${name} is ${formatBytes(size)}; ${typeName(contentType)} files can be at most ${formatBytes(limit)}.`,
  )
}

/**
 * Decides purpose and method for a file, checked against the same policies the server
 * enforces: `purpose` when given and it fits, else the natural purpose for the type, else any
 * purpose that takes the file at its size. Throws PolicyError with a message in plain words.
 */
export function planUpload(
  policies: Policies,
  file: { type: string | undefined; size: number; name?: string },
  purpose?: string,
): UploadPlan {
  const contentType = normalizeContentType(file.type ?? '') || 'application/octet-stream'
  const fitting = purposesFor(policies, contentType, file.size)
  const chosen = purpose && fitting.includes(purpose) ? purpose : fitting[0]
  const policy = chosen ? policies[chosen] : undefined
  if (!chosen || !policy || file.size <= 0) {
    throw refusal(policies, file.name ?? 'This file', contentType, file.size)
  }
  const order = file.size >= LARGE_FILE_BYTES ? LARGE : (PREFERRED[chosen] ?? FALLBACK)
  const method =
    order.find((m) => policy.methods.includes(m)) ?? policy.methods[0] ?? order[0] ?? 'put'
  // The server's own check, so the two can never disagree.
  checkUpload(policies, { purpose: chosen, contentType, size: file.size, method })
  return { purpose: chosen, contentType, method }
}
