import { createTRPCClient, httpLink } from '@trpc/client'
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server'
import type { AppRouter } from '@uplink/api'

/** Every procedure's input, by path: `RouterInputs['uploads']['presignPut']`. */
export type RouterInputs = inferRouterInputs<AppRouter>
/** Every procedure's output, by path: `RouterOutputs['documents']['byId']`. */
export type RouterOutputs = inferRouterOutputs<AppRouter>

/** The fully typed tRPC client of the Uplink API. */
export type UplinkTrpc = ReturnType<typeof createTRPCClient<AppRouter>>

/**
 * Plain JSON over `httpLink` (the API has no transformer), bearer token on every call. One
 * call per request, so never over the server's batch limit; a batching link would have to
 * pass `maxItems: MAX_TRPC_BATCH_ITEMS` from `@uplink/core`.
 */
export function createTrpc(options: {
  url: string
  token: string
  fetch: typeof fetch
}): UplinkTrpc {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${options.url}/trpc`,
        headers: { authorization: `Bearer ${options.token}` },
        fetch: options.fetch,
      }),
    ],
  })
}

/** What the upload and download helpers share. */
export interface ClientContext {
  /** The server's base URL, without a trailing slash. */
  url: string
  token: string
  trpc: UplinkTrpc
  /** Used for the API calls and uploads to S3, not download bodies (tests pass a counting wrapper). */
  fetch: typeof fetch
}
