import type { Policies } from './purposes.ts'
import { GiB, MiB } from './sizes.ts'

/** The built-in purposes (overridden by `UPLINK_POLICIES`). */
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
