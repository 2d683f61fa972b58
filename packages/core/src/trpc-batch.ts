/**
 * The most calls one tRPC batch request may carry. The server refuses a larger batch whole
 * (400 "Batch call exceeds maximum size"), so every batching link splits at this size.
 */
export const MAX_TRPC_BATCH_ITEMS = 10
