import { PolicyError } from './errors.ts'
import type { Policies, Policy, UploadMethod } from './purposes.ts'

export interface UploadRequest {
  purpose: string
  contentType: string
  /** Declared size in bytes; undefined only when the method allows deferring it. */
  size: number | undefined
  method: UploadMethod
}

/** Lower-cased media type without parameters: `Video/MP4; codecs=x` → `video/mp4`. */
export function normalizeContentType(value: string): string {
  return (value.split(';')[0] ?? '').trim().toLowerCase()
}

/** Returns the purpose's policy, or throws PolicyError naming the field to fix. */
export function policyFor(policies: Policies, purpose: string): Policy {
  const policy = Object.hasOwn(policies, purpose) ? policies[purpose] : undefined
  if (!policy) {
    const known = Object.keys(policies).join(', ')
    throw new PolicyError(
      'unknown_purpose',
      'purpose',
      `purpose "${purpose}" is not one of: ${known}`,
    )
  }
  return policy
}

/**
 * Checks an upload against its purpose's policy before anything is signed or stored.
 * Throws PolicyError with a message a person can act on.
 */
export function checkUpload(policies: Policies, req: UploadRequest): Policy {
  const policy = policyFor(policies, req.purpose)
  if (!policy.methods.includes(req.method)) {
    throw new PolicyError(
      'method_not_allowed',
      'method',
      `purpose "${req.purpose}" does not allow ${req.method} uploads (allowed: ${policy.methods.join(', ')})`,
    )
  }
  const type = normalizeContentType(req.contentType)
  if (!policy.contentTypes.includes(type)) {
    throw new PolicyError(
      'type_not_allowed',
      'contentType',
      `contentType "${req.contentType}" is not allowed for purpose "${req.purpose}" (allowed: ${policy.contentTypes.join(', ')})`,
    )
  }
  if (req.size !== undefined) checkSize(policy, req.purpose, req.size)
  return policy
}

/**
 * Refuses a presigned (direct-to-S3) upload for a purpose inspected synchronously: S3 would
 * hold the bytes before anything could inspect them.
 */
export function checkDirectUpload(policies: Policies, purpose: string): void {
  if (policyFor(policies, purpose).inspection !== 'sync') return
  throw new PolicyError(
    'inspection_required',
    'method',
    `purpose "${purpose}" is inspected synchronously (inspection: sync), so it cannot be uploaded to a presigned URL; upload it with tus (/files) or POST /documents (multipart/form-data)`,
  )
}

/** Throws PolicyError `too_large` (or `empty`) for a size the policy does not allow. */
export function checkSize(policy: Policy, purpose: string, size: number): void {
  if (!Number.isSafeInteger(size) || size <= 0) {
    throw new PolicyError('empty', 'size', 'size must be a whole number of bytes greater than 0')
  }
  if (size > policy.maxBytes) {
    throw new PolicyError(
      'too_large',
      'size',
      `size ${size} bytes is over the ${formatBytes(policy.maxBytes)} limit for purpose "${purpose}"`,
    )
  }
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024
    unit++
  }
  return unit === 0 ? `${bytes} bytes` : `${Number(value.toFixed(1))} ${units[unit]}`
}
