import { describe, expect, it } from 'vitest'
import { createUplinkClient } from './client.ts'
import { UplinkError } from './errors.ts'

/** A server that answers every tRPC call with one error (tRPC's JSON envelope). */
const answering = (status: number, code: string, headers: Record<string, string> = {}) =>
  (async () =>
    new Response(
      JSON.stringify({
        error: { message: `said ${code}`, code: -32000, data: { code, httpStatus: status } },
      }),
      { status, headers: { 'content-type': 'application/json', ...headers } },
    )) as typeof fetch

describe('uplink.trpc', () => {
  it('rejects with an UplinkError carrying the code, status and Retry-After', async () => {
    const uplink = createUplinkClient({
      url: 'http://uplink.test',
      token: 't',
      fetch: answering(404, 'NOT_FOUND'),
    })
    const err = await uplink.trpc.documents.byId
      .query({ id: '00000000-0000-4000-8000-000000000000' })
      .catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UplinkError)
    expect(err).toMatchObject({ code: 'NOT_FOUND', status: 404, message: 'said NOT_FOUND' })

    const limited = createUplinkClient({
      url: 'http://uplink.test',
      token: 't',
      fetch: answering(429, 'TOO_MANY_REQUESTS', { 'retry-after': '3' }),
    })
    const slow = await limited.trpc.uploads.presignPut
      .mutate({ purpose: 'document', filename: 'a.pdf', contentType: 'application/pdf', size: 1 })
      .catch((e: unknown) => e)
    expect(slow).toBeInstanceOf(UplinkError)
    expect(slow).toMatchObject({ status: 429, retryAfterMs: 3000 })
  })
})
