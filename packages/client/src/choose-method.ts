import { defaultPolicies, MiB, type Policies } from '@uplink/core'

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

const TYPES: Record<string, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  mp4: 'video/mp4',
  m4v: 'video/mp4',
  mov: 'video/quicktime',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  txt: 'text/plain',
  html: 'text/html',
  htm: 'text/html',
  csv: 'text/csv',
  json: 'application/json',
}

/** A Content-Type from the file extension; `application/octet-stream` when unknown. */
export function guessContentType(filename: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(filename)?.[1]?.toLowerCase()
  return (ext && TYPES[ext]) || 'application/octet-stream'
}
