import { randomUUID } from 'node:crypto'
import { MAX_TRPC_BATCH_ITEMS } from '@uplink/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

let h: Harness
beforeAll(async () => {
  h = await startHarness()
})
afterAll(async () => {
  await h?.close()
})

/** A batched GET of `n` documents.byId calls, as httpBatchLink sends it. */
async function batch(n: number) {
  const paths = Array.from({ length: n }, () => 'documents.byId').join(',')
  const inputs = Object.fromEntries(Array.from({ length: n }, (_, i) => [i, { id: randomUUID() }]))
  const input = encodeURIComponent(JSON.stringify(inputs))
  return fetch(`${h.baseUrl}/trpc/${paths}?batch=1&input=${input}`, {
    headers: { authorization: `Bearer ${await h.token('batcher')}` },
  })
}

describe('tRPC batches', () => {
  it('answers a batch of MAX_TRPC_BATCH_ITEMS calls and refuses one more, the limit the web app splits at', async () => {
    const full = await batch(MAX_TRPC_BATCH_ITEMS)
    const answers = (await full.json()) as { error?: { data: { code: string } } }[]
    // Each call answered on its own (none of these documents exist).
    expect(answers.map((a) => a.error?.data.code)).toEqual(
      Array(MAX_TRPC_BATCH_ITEMS).fill('NOT_FOUND'),
    )

    const over = await batch(MAX_TRPC_BATCH_ITEMS + 1)
    expect(over.status).toBe(400)
    expect(await over.text()).toMatch(/Batch call exceeds maximum size/)
  })
})
