/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** What is awaited, for the timeout's message: "the worker to mark the document ready". */
  what: string
  /** A safety net, not a schedule: nothing should take this long, even on a loaded machine. */
  timeoutMs?: number
  /** Pause between two checks. */
  intervalMs?: number
}

const DEFAULT_TIMEOUT_MS = 60_000
const DEFAULT_INTERVAL_MS = 50

/**
 * Polls `condition` until it returns a truthy value, and returns that value. A throw counts as
 * "not yet" (the last one is the cause of the timeout's error), so an `expect(…)` can be the
 * condition. The timeout is a safety net: the error names `what`, so a hang says what it waited for.
 *
 * The older form `waitFor(what, check, timeoutMs?)` (from `@uplink/launchers`) still works.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  options: WaitForOptions,
): Promise<Exclude<T, false | null | undefined | 0 | ''>>
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs?: number,
): Promise<void>
export async function waitFor<T>(
  first: string | (() => T | Promise<T>),
  second: WaitForOptions | (() => Promise<boolean>),
  third?: number,
): Promise<unknown> {
  const [condition, options] =
    typeof first === 'string'
      ? [second as () => Promise<boolean>, { what: first, timeoutMs: third }]
      : [first, second as WaitForOptions]
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    try {
      const value = await condition()
      if (value) return value
    } catch (err) {
      lastError = err
    }
    if (Date.now() >= deadline) break
    await new Promise((r) => setTimeout(r, intervalMs))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${options.what}`, {
    cause: lastError,
  })
}
