import { z } from 'zod'
import { GiB, MiB } from './sizes.ts'

export const UPLOAD_METHODS = ['put', 'post', 'multipart', 'tus'] as const
export type UploadMethod = (typeof UPLOAD_METHODS)[number]

/** What one upload purpose accepts. */
export const policySchema = z.object({
  contentTypes: z.array(z.string().regex(/^[\w.+-]+\/[\w.+-]+$/)).min(1),
  maxBytes: z.number().int().positive(),
  methods: z.array(z.enum(UPLOAD_METHODS)).min(1),
  /** Longest video accepted (from ffprobe, after upload); longer ones end `rejected`. None: no limit. */
  maxDurationSeconds: z.number().positive().optional(),
})
export type Policy = z.infer<typeof policySchema>

/** Purposes by name; a purpose name is a path segment of object keys, so keep it plain. */
export const policiesSchema = z.record(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/), policySchema)
export type Policies = z.infer<typeof policiesSchema>

export const defaultPolicies: Policies = Object.freeze({
  document: {
    contentTypes: ['application/pdf', 'image/png', 'image/jpeg'],
    maxBytes: 25 * MiB,
    methods: ['put', 'post', 'tus'],
  },
  video: {
    contentTypes: ['video/mp4', 'video/quicktime', 'video/webm', 'video/x-matroska'],
    maxBytes: 50 * GiB,
    methods: ['tus', 'multipart'],
  },
  image: {
    contentTypes: ['image/png', 'image/jpeg', 'image/webp', 'image/gif'],
    maxBytes: 10 * MiB,
    methods: ['put', 'post', 'tus'],
  },
})
