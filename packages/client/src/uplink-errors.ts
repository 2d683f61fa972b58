import { toUplinkError } from './errors.ts'

/**
 * The tRPC client with every rejection turned into an `UplinkError` (with the catalogue-derived
 * code), so `uplink.trpc.*` fails like the rest of the client. The typed surface is unchanged.
 */
export function withUplinkErrors<T extends object>(target: T): T {
  return wrap(target) as T
}

function wrap(target: unknown): unknown {
  if (target === null || (typeof target !== 'object' && typeof target !== 'function')) {
    return target
  }
  const holder = target as Record<PropertyKey, unknown> & ((...args: unknown[]) => unknown)
  return new Proxy(() => {}, {
    get: (_t, prop) => wrap(holder[prop]),
    apply: (_t, _this, args) => {
      const result = holder(...args)
      const thenable = result as { then?: unknown } | undefined
      return typeof thenable?.then === 'function'
        ? (result as Promise<unknown>).then(undefined, (err: unknown) => {
            throw toUplinkError(err)
          })
        : result
    },
  })
}
