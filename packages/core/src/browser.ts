/**
 * The part of `@uplink/core` a browser needs, without zod or `node:` modules: sizes, the
 * default policies and their checks, document states, part plans, the error classes, the
 * tRPC batch limit and which tus and storage answers to retry.
 * (`@uplink/core` itself also builds the zod input schemas at import, which no page needs.)
 */
export * from './app-error.ts'
export * from './document.ts'
export * from './errors.ts'
export * from './part-plan.ts'
export * from './policy-check.ts'
export { defaultPolicies } from './policy-defaults.ts'
export type { InspectionMode, Policies, Policy, UploadMethod } from './purposes.ts'
export * from './retry-policy.ts'
export * from './sizes.ts'
export * from './storage-retry.ts'
export * from './trpc-batch.ts'
export * from './tus-retry.ts'
