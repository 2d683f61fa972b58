import { AsyncLocalStorage } from 'node:async_hooks'

const store = new AsyncLocalStorage<string>()

/**
 * The correlation id of the work in progress: the HTTP request's id (Express, tRPC, tus hooks,
 * the S3 calls they make) or `job-<id>` inside a job; undefined outside both.
 */
export function currentRequestId(): string | undefined {
  return store.getStore()
}

/** Runs `fn` (and everything it awaits) under `id`; every log line written meanwhile carries it. */
export function withRequestId<T>(id: string, fn: () => T): T {
  return store.run(id, fn)
}
