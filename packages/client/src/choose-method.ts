import { extname } from 'node:path'
import { defaultPolicies, MiB, type Policies } from '@uplink/core'
import { lookup } from 'mime-types'

/** How `uploadFile` sends the bytes. */
export type UploadMethodChoice = 'auto' | 'tus' | 'multipart' | 'put'

/** Files up to this size go in one presigned PUT when the purpose allows it. */
export const PUT_MAX_BYTES = 16 * MiB

/**
 * Resolves `auto`: a single PUT for small files, else multipart or tus as the purpose allows.
 * Only a guess from the known policies; the server enforces the real ones.
 */
export function chooseMethod(
  purpose: string,
  size: number,
  requested: UploadMethodChoice = 'auto',
  policies: Policies = defaultPolicies,
): Exclude<UploadMethodChoice, 'auto'> {
  if (requested !== 'auto') return requested
  const policy = Object.hasOwn(policies, purpose) ? policies[purpose] : undefined
  // An unknown purpose may exist on the server: pick by size and let it decide.
  const allows = (m: 'put' | 'multipart' | 'tus') => !policy || policy.methods.includes(m)
  if (size <= PUT_MAX_BYTES && allows('put')) return 'put'
  if (allows('multipart')) return 'multipart'
  if (allows('tus')) return 'tus'
  return 'put'
}

/** mime-db says video/x-m4v; an M4V is an MP4 file, and the policies list video/mp4. */
const OVERRIDES: Record<string, string> = { '.m4v': 'video/mp4' }

/** A Content-Type from the file extension (mime-db); `application/octet-stream` when unknown. */
export function guessContentType(filename: string): string {
  const ext = extname(filename).toLowerCase()
  if (!ext) return 'application/octet-stream'
  return OVERRIDES[ext] ?? (lookup(ext) || 'application/octet-stream')
}
