import { z } from 'zod'

export const UPLOAD_METHODS = ['put', 'post', 'multipart', 'tus'] as const
export type UploadMethod = (typeof UPLOAD_METHODS)[number]

/**
 * When a purpose's bytes are inspected (type sniff, virus scan, SHA-256): `async` after the
 * upload, by the worker; `sync` while they pass through the server, before the upload succeeds.
 */
export const INSPECTION_MODES = ['sync', 'async'] as const
export type InspectionMode = (typeof INSPECTION_MODES)[number]

/** What one upload purpose accepts. */
export const policySchema = z.object({
  contentTypes: z.array(z.string().regex(/^[\w.+-]+\/[\w.+-]+$/)).min(1),
  maxBytes: z.number().int().positive(),
  methods: z.array(z.enum(UPLOAD_METHODS)).min(1),
  /** Longest video accepted (from ffprobe, after upload); longer ones end `rejected`. None: no limit. */
  maxDurationSeconds: z.number().positive().optional(),
  /** Default `async`. `sync` refuses presigned uploads: only tus and POST /documents. */
  inspection: z.enum(INSPECTION_MODES).optional(),
})
export type Policy = z.infer<typeof policySchema>

/** Purposes by name; a purpose name is a path segment of object keys, so keep it plain. */
export const policiesSchema = z.record(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/), policySchema)
export type Policies = z.infer<typeof policiesSchema>

// In their own module so the web app can import them without zod (`@uplink/core/browser`).
export { defaultPolicies } from './policy-defaults.ts'

/** True when the purpose's uploads are inspected while they pass through the server. */
export function isSyncInspected(policies: Policies, purpose: string): boolean {
  return Object.hasOwn(policies, purpose) && policies[purpose]?.inspection === 'sync'
}
