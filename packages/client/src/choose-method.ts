import { extname } from 'node:path'
import { defaultPolicies, MiB, type Policies, type Policy } from '@uplink/core'
import { lookup } from 'mime-types'
import { UplinkError } from './errors.ts'

/** How `uploadFile` sends the bytes. */
export type UploadMethodChoice = 'auto' | 'tus' | 'multipart' | 'put'

/** Files up to this size go in one presigned PUT when the purpose allows it. */
export const PUT_MAX_BYTES = 16 * MiB

/**
 * Resolves `auto`: a single PUT for small files, else multipart or tus as the purpose allows.
 * Only a guess from the known policies; the server enforces the real ones. A purpose with
 * `inspection: 'sync'` always goes by tus (see `chooseInspected`).
 */
export function chooseMethod(
  purpose: string,
  size: number,
  requested: UploadMethodChoice = 'auto',
  policies: Policies = defaultPolicies,
): Exclude<UploadMethodChoice, 'auto'> {
  const policy = Object.hasOwn(policies, purpose) ? policies[purpose] : undefined
  if (policy?.inspection === 'sync') return chooseInspected(purpose, policy, requested)
  if (requested !== 'auto') return requested
  // An unknown purpose may exist on the server: pick by size and let it decide.
  const allows = (m: 'put' | 'multipart' | 'tus') => !policy || policy.methods.includes(m)
  if (size <= PUT_MAX_BYTES && allows('put')) return 'put'
  if (allows('multipart')) return 'multipart'
  if (allows('tus')) return 'tus'
  return 'put'
}

/**
 * A synchronously inspected purpose: the server refuses presigned methods (S3 would hold the
 * bytes before anything inspected them). tus rather than POST /documents: it is resumable and
 * checksummed per PATCH, and when clamd is down (503) the server keeps the bytes and inspects
 * them on the next HEAD, so a retry sends nothing again; a form POST would resend the file.
 */
function chooseInspected(purpose: string, policy: Policy, requested: UploadMethodChoice): 'tus' {
  if (requested === 'put' || requested === 'multipart') {
    throw new UplinkError(
      'BAD_REQUEST',
      `purpose "${purpose}" is inspected synchronously (inspection: sync), so the server refuses presigned uploads such as method "${requested}"; use method "tus" or "auto"`,
    )
  }
  if (policy.methods.includes('tus')) return 'tus'
  throw new UplinkError(
    'BAD_REQUEST',
    `purpose "${purpose}" is inspected synchronously and does not allow tus, the only method this client can use for it; send the file with POST /documents (multipart/form-data: purpose, then file)`,
  )
}

/** mime-db says video/x-m4v; an M4V is an MP4 file, and the policies list video/mp4. */
const OVERRIDES: Record<string, string> = { '.m4v': 'video/mp4' }

/** A Content-Type from the file extension (mime-db); `application/octet-stream` when unknown. */
export function guessContentType(filename: string): string {
  const ext = extname(filename).toLowerCase()
  if (!ext) return 'application/octet-stream'
  return OVERRIDES[ext] ?? (lookup(ext) || 'application/octet-stream')
}
