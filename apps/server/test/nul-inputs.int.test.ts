import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

let h: Harness
beforeAll(async () => {
  h = await startHarness()
})
afterAll(async () => {
  await h?.close()
})

/** Postgres text cannot hold U+0000: every text input must refuse it (400), never reach a query (500). */
describe('U+0000 in a text input', () => {
  it('answers 400 naming the field for documents.list search, over REST and tRPC', async () => {
    const authorization = `Bearer ${await h.token(`nul-${randomUUID()}`)}`
    const rest = await fetch(`${h.baseUrl}/api/documents?search=a%00b`, {
      headers: { authorization },
    })
    // The one error body: `bad_input` with the field's issue.
    const restBody = (await rest.json()) as { issues: { path: string; message: string }[] }
    expect([rest.status, restBody.issues]).toEqual([
      400,
      [
        {
          path: 'search',
          message: 'search must not contain the NUL character (U+0000)',
        },
      ],
    ])
    const input = encodeURIComponent(JSON.stringify({ search: 'a\u0000b' }))
    const rpc = await fetch(`${h.baseUrl}/trpc/documents.list?input=${input}`, {
      headers: { authorization },
    })
    const rpcBody = (await rpc.json()) as { error: { message: string } }
    expect([rpc.status, rpcBody.error.message]).toEqual([
      400,
      'search: search must not contain the NUL character (U+0000)',
    ])
  })

  it('answers 400 for a forged name-order cursor whose key holds U+0000', async () => {
    const authorization = `Bearer ${await h.token(`nul-${randomUUID()}`)}`
    const cursor = Buffer.from(JSON.stringify(['name', 'a\u0000b', randomUUID()])).toString(
      'base64url',
    )
    const input = encodeURIComponent(JSON.stringify({ cursor, sort: 'name' }))
    const res = await fetch(`${h.baseUrl}/trpc/documents.list?input=${input}`, {
      headers: { authorization },
    })
    const body = (await res.json()) as { error: { message: string } }
    expect([res.status, body.error.message]).toEqual([
      400,
      expect.stringMatching(/^cursor is not one this API returned/),
    ])
  })

  it('refuses a filename holding U+0000 in uploads.presignPut with 400', async () => {
    const api = await h.client(`nul-${randomUUID()}`)
    await expect(
      api.uploads.presignPut.mutate({
        purpose: 'image',
        filename: 'a\u0000.png',
        contentType: 'image/png',
        size: 10,
      }),
    ).rejects.toThrow('filename: filename must not contain the NUL character (U+0000)')
  })
})
