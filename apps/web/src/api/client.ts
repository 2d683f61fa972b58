import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client'
import type { AppRouter } from '@uplink/api'
import { MAX_TRPC_BATCH_ITEMS } from '@uplink/core/browser'

export type ApiClient = ReturnType<typeof createTRPCClient<AppRouter>>

/**
 * A typed tRPC client on this origin's /trpc, sending the bearer token with every call.
 * `onUnauthorized` runs when the server refuses the token (expired or revoked). Calls made
 * in the same tick share a request, never more than MAX_TRPC_BATCH_ITEMS of them.
 */
export function createApiClient(token: string, onUnauthorized: () => void): ApiClient {
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: '/trpc',
        // Calls made together (a page of thumbnails) go in batches the server accepts.
        maxItems: MAX_TRPC_BATCH_ITEMS,
        headers: () => ({ authorization: `Bearer ${token}` }),
        fetch: async (input, init) => {
          const res = await fetch(input, init)
          if (res.status === 401) onUnauthorized()
          return res
        },
      }),
    ],
  })
}

/** The message the server gave, or the error's own. */
export function errorMessage(err: unknown): string {
  if (err instanceof TRPCClientError) return err.message
  if (err instanceof Error) return err.message
  return String(err)
}
