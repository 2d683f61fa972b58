import type { AnyTRPCProcedure } from '@trpc/server'
import {
  type AnyMiddlewareFunction,
  getParseFn,
  getTRPCErrorFromUnknown,
  isObject,
  isPromise,
  type MiddlewareResult,
  middlewareMarker,
  type Parser,
  TRPCError,
} from '@trpc/server/unstable-core-do-not-import'

/** What one call of a procedure is given (tRPC's `ProcedureCallOptions`). */
export interface CallOptions {
  ctx: unknown
  getRawInput: () => Promise<unknown>
  /**
   * The value `getRawInput` resolves to, when the caller already holds it (a parsed body): the
   * input step then reads it without a promise. Dropped once a middleware swaps `getRawInput`.
   */
  rawInput?: { value: unknown } | undefined
  input?: unknown
  path: string
  type: 'mutation'
  signal: AbortSignal
  batchIndex: number
}

/** A procedure's meta as the chain reads it. */
export interface ChainMeta {
  /**
   * The resolver builds its whole answer from values the server made (ids, signed URLs,
   * timestamps), typed by the `.output()` schema it declares for the API docs: the one-call
   * path does not parse that answer again. Every other path (batches, `createCaller`) still does.
   */
  serverBuiltOutput?: boolean
}

interface ChainDef {
  middlewares: AnyMiddlewareFunction[]
  meta?: ChainMeta
  caller?: unknown
  /** The `.input()` parsers, one per input middleware (`_type: 'input'`), in order. */
  inputs?: Parser[]
  /** The `.output()` parser, whose middleware (`_type: 'output'`) checks the result. */
  output?: Parser
}

/** What each middleware of a procedure is, found once per procedure. */
type Step =
  | { kind: 'middleware'; fn: AnyMiddlewareFunction }
  | { kind: 'input'; parse: (value: unknown) => unknown }
  | { kind: 'output'; parse: (value: unknown) => unknown }
  | { kind: 'pass' }

const plans = new WeakMap<ChainDef, Step[]>()

/**
 * The steps of a procedure: its input parsers and output parser run here (tRPC's input and
 * output middlewares, same semantics, with no promise when the parser answers at once); any
 * other middleware is called as it is. A procedure whose input middlewares do not pair up
 * with its parsers keeps all its middlewares.
 */
function planOf(def: ChainDef): Step[] {
  let plan = plans.get(def)
  if (plan) return plan
  const inputs = def.inputs ?? []
  const inputSteps = def.middlewares.filter((m) => m._type === 'input').length
  let nextInput = 0
  plan = def.middlewares.map((fn): Step => {
    if (fn._type === 'input' && inputSteps === inputs.length) {
      return { kind: 'input', parse: getParseFn(inputs[nextInput++]!) }
    }
    if (fn._type === 'output' && def.output) {
      return def.meta?.serverBuiltOutput
        ? { kind: 'pass' }
        : { kind: 'output', parse: getParseFn(def.output) }
    }
    return { kind: 'middleware', fn }
  })
  plans.set(def, plan)
  return plan
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
  const result = await step(def, planOf(def), 0, options)
  if (!result.ok) throw result.error
  return result.data
}

async function step(
  def: ChainDef,
  plan: Step[],
  index: number,
  opts: CallOptions,
): Promise<MiddlewareResult<unknown>> {
  try {
    const current = plan[index]!
    switch (current.kind) {
      case 'input':
        return await parseInput(def, plan, index, opts, current.parse)
      case 'output':
        return await checkOutput(current.parse, step(def, plan, index + 1, opts))
      case 'pass':
        return await step(def, plan, index + 1, opts)
    }
    return await current.fn({
      ctx: opts.ctx,
      getRawInput: opts.getRawInput,
      input: opts.input,
      path: opts.path,
      type: opts.type,
      signal: opts.signal,
      batchIndex: opts.batchIndex,
      meta: def.meta,
      next(nextOpts?: { ctx?: object; input?: unknown; getRawInput?: () => Promise<unknown> }) {
        return step(def, plan, index + 1, {
          ctx: nextOpts?.ctx ? { ...(opts.ctx as object), ...nextOpts.ctx } : opts.ctx,
          getRawInput: nextOpts?.getRawInput ?? opts.getRawInput,
          rawInput: nextOpts?.getRawInput ? undefined : opts.rawInput,
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

/** tRPC's input middleware: the raw input parsed (a refusal is a 400), merged with earlier inputs. */
async function parseInput(
  def: ChainDef,
  plan: Step[],
  index: number,
  opts: CallOptions,
  parse: (value: unknown) => unknown,
): Promise<MiddlewareResult<unknown>> {
  const raw = opts.rawInput ? opts.rawInput.value : await opts.getRawInput()
  let parsed: unknown
  try {
    parsed = parse(raw)
    if (isPromise(parsed)) parsed = await parsed
  } catch (cause) {
    throw new TRPCError({ code: 'BAD_REQUEST', cause })
  }
  // Several input parsers: their object results merge, as tRPC merges them.
  const input = isObject(opts.input) && isObject(parsed) ? { ...opts.input, ...parsed } : parsed
  return step(def, plan, index + 1, {
    ctx: opts.ctx,
    getRawInput: opts.getRawInput,
    rawInput: opts.rawInput,
    input,
    path: opts.path,
    type: opts.type,
    signal: opts.signal,
    batchIndex: opts.batchIndex,
  })
}

/** tRPC's output middleware: a failed result passes, a result its parser refuses is a 500. */
async function checkOutput(
  parse: (value: unknown) => unknown,
  next: Promise<MiddlewareResult<unknown>>,
): Promise<MiddlewareResult<unknown>> {
  const result = await next
  if (!result.ok) return result
  try {
    let data = parse(result.data)
    if (isPromise(data)) data = await data
    // A native spread: tRPC's build copies the result through its defineProperty helper.
    return { ...result, data }
  } catch (cause) {
    throw new TRPCError({
      message: 'Output validation failed',
      code: 'INTERNAL_SERVER_ERROR',
      cause,
    })
  }
}
