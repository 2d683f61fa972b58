import { initTRPC, TRPCError } from '@trpc/server'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { type CallOptions, callProcedure } from './trpc-call-chain.ts'

interface Ctx {
  user?: string
  trace: string[]
}
const t = initTRPC.context<Ctx>().meta<{ label: string; serverBuiltOutput?: boolean }>().create()

/** Middlewares that use every part of `next`: a ctx added, input replaced, a raw input swapped. */
const procedure = t.procedure
  .meta({ label: 'seen' })
  .use(({ ctx, meta, path, type, batchIndex, next }) => {
    ctx.trace.push(`outer ${meta?.label} ${path} ${type} ${batchIndex}`)
    return next({ ctx: { user: 'alice' } })
  })
  .use(async ({ next }) => {
    const result = await next()
    return result.ok ? { ...result, data: { wrapped: result.data } } : result
  })
  .input(z.object({ n: z.number() }))
  .use(({ input, next }) => next({ input: { n: input.n + 1 } }))
  .use(async ({ getRawInput, next }) =>
    next({ getRawInput: async () => ({ raw: await getRawInput() }) }),
  )

const router = t.router({
  echo: procedure.mutation(async (opts) => ({
    user: opts.ctx.user,
    input: opts.input,
    // Resolvers get the raw input too, though their type does not say so.
    raw: await (opts as unknown as { getRawInput(): Promise<unknown> }).getRawInput(),
    trace: opts.ctx.trace,
  })),
  checked: procedure
    .output(z.object({ n: z.number() }))
    .mutation(({ input }) => ({ n: input.n, dropped: 'by the parser' })),
  // The resolver breaks its declared output (as a bug would): the parser refuses it.
  refused: procedure
    .output(z.object({ n: z.string() }))
    .mutation(({ input }) => ({ n: input.n }) as unknown as { n: string }),
  // Marked as built by the server: the one-call path does not parse the result again.
  built: procedure
    .meta({ label: 'seen', serverBuiltOutput: true })
    .output(z.object({ n: z.number() }))
    .mutation(({ input }) => ({ n: input.n, kept: 'not parsed' })),
  fail: procedure.mutation(() => {
    throw new TRPCError({ code: 'CONFLICT', message: 'no' })
  }),
  crash: procedure.mutation(() => {
    throw new Error('boom')
  }),
})

const options = (input: unknown, path: string, known = false): CallOptions => ({
  ctx: { trace: [] },
  getRawInput: async () => input,
  // As the one-call path passes it: the parsed body, read without a promise.
  rawInput: known ? { value: input } : undefined,
  path,
  type: 'mutation',
  signal: new AbortController().signal,
  batchIndex: 0,
})

/** tRPC's own answer (calling the procedure) and ours, each as a value or the error thrown. */
async function both(path: keyof typeof router._def.procedures, input: unknown) {
  const settle = (p: Promise<unknown>) =>
    p.then(
      (value) => ({ value }),
      (error: TRPCError) => ({ error: { code: error.code, message: error.message } }),
    )
  const proc = router._def.procedures[path]
  const theirs = await settle(proc(options(input, path) as never))
  const ours = await settle(callProcedure(proc, options(input, path)))
  // With the raw input handed over, the same answer (a middleware that swaps getRawInput wins).
  expect(await settle(callProcedure(proc, options(input, path, true)))).toEqual(ours)
  return { theirs, ours }
}

describe('callProcedure answers as calling the procedure does', () => {
  it('with ctx, input and raw input changed by middlewares and the result wrapped', async () => {
    const { theirs, ours } = await both('echo', { n: 1 })
    expect(theirs).toEqual({
      value: {
        wrapped: {
          user: 'alice',
          input: { n: 2 },
          raw: { raw: { n: 1 } },
          trace: expect.any(Array),
        },
      },
    })
    expect(ours).toEqual(theirs)
  })

  it('with an output parser: its parsed result, and a 500 for a result it refuses', async () => {
    const checked = await both('checked', { n: 1 })
    expect(checked.theirs).toEqual({ value: { wrapped: { n: 2 } } })
    expect(checked.ours).toEqual(checked.theirs)
    const refused = await both('refused', { n: 1 })
    expect(refused.theirs).toEqual({
      error: { code: 'INTERNAL_SERVER_ERROR', message: 'Output validation failed' },
    })
    expect(refused.ours).toEqual(refused.theirs)
  })

  it('except that a procedure marked serverBuiltOutput gets its result back unparsed', async () => {
    const { theirs, ours } = await both('built', { n: 1 })
    expect(theirs).toEqual({ value: { wrapped: { n: 2 } } })
    expect(ours).toEqual({ value: { wrapped: { n: 2, kept: 'not parsed' } } })
  })

  it('with an input the parser refuses, a TRPCError and an unexpected throw', async () => {
    for (const [path, input] of [
      ['echo', { n: 'one' }],
      ['fail', { n: 1 }],
      ['crash', { n: 1 }],
    ] as const) {
      const { theirs, ours } = await both(path, input)
      expect(theirs).toHaveProperty('error')
      expect(ours).toEqual(theirs)
    }
  })
})
