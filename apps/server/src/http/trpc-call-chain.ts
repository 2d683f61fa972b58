import type { AnyTRPCProcedure } from '@trpc/server'
import {
  type AnyMiddlewareFunction,
  getTRPCErrorFromUnknown,
  type MiddlewareResult,
  middlewareMarker,
} from '@trpc/server/unstable-core-do-not-import'

/** What one call of a procedure is given (tRPC's `ProcedureCallOptions`). */
export interface CallOptions {
  ctx: unknown
  getRawInput: () => Promise<unknown>
  input?: unknown
  path: string
  type: 'mutation'
  signal: AbortSignal
  batchIndex: number
}

interface ChainDef {
  middlewares: AnyMiddlewareFunction[]
  meta?: unknown
  caller?: unknown
}

/**
 * Calls a procedure as calling it directly would (tRPC's `callRecursive`: the same options per
 * middleware, the same `next` merging, a throw turned into a failed result, the error rethrown
 * at the end), with object literals where tRPC's build spreads every layer's options through a
 * `defineProperty` helper, ~8 % of a presignPut's CPU. A procedure with a caller override is
 * called as it is.
 */
export async function callProcedure(
  procedure: AnyTRPCProcedure,
  options: CallOptions,
): Promise<unknown> {
  const def = procedure._def as unknown as ChainDef
  if (def.caller || !Array.isArray(def.middlewares)) return procedure(options as never)
  const result = await step(def, 0, options)
  if (!result.ok) throw result.error
  return result.data
}

async function step(
  def: ChainDef,
  index: number,
  opts: CallOptions,
): Promise<MiddlewareResult<unknown>> {
  try {
    const middleware = def.middlewares[index]!
    return await middleware({
      ctx: opts.ctx,
      getRawInput: opts.getRawInput,
      input: opts.input,
      path: opts.path,
      type: opts.type,
      signal: opts.signal,
      batchIndex: opts.batchIndex,
      meta: def.meta,
      next(nextOpts?: { ctx?: object; input?: unknown; getRawInput?: () => Promise<unknown> }) {
        return step(def, index + 1, {
          ctx: nextOpts?.ctx ? { ...(opts.ctx as object), ...nextOpts.ctx } : opts.ctx,
          getRawInput: nextOpts?.getRawInput ?? opts.getRawInput,
          input: nextOpts && 'input' in nextOpts ? nextOpts.input : opts.input,
          path: opts.path,
          type: opts.type,
          signal: opts.signal,
          batchIndex: opts.batchIndex,
        })
      },
    } as never)
  } catch (cause) {
    return { ok: false, error: getTRPCErrorFromUnknown(cause), marker: middlewareMarker }
  }
}
