import { request } from 'node:http'
import { appRouter } from '@uplink/api'
import { ERROR_CATALOGUE } from '@uplink/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { z } from 'zod'
import { MAX_TRPC_BODY_BYTES } from '../src/app.ts'
import { type Harness, startHarness } from './support/harness.ts'

let h: Harness
beforeAll(async () => {
  h = await startHarness()
})
afterAll(async () => {
  await h?.close()
})

interface Answer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

/** One POST with node:http; `chunks` are sent with chunked encoding (no Content-Length). */
function post(path: string, headers: Record<string, string>, chunks: string[]): Promise<Answer> {
  const port = Number(new URL(h.baseUrl).port)
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path, headers }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => {
        text += c.toString()
      })
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
      )
    })
    req.on('error', reject)
    for (const chunk of chunks) req.write(chunk)
    req.end()
  })
}

const presignInput = JSON.stringify({
  purpose: 'document',
  filename: 'a.pdf',
  contentType: 'application/pdf',
  size: 1000,
})

describe('/trpc over HTTP', () => {
  it('answers a call with its Content-Length, in one piece rather than chunked', async () => {
    const auth = `Bearer ${await h.token('trpc-route-a')}`
    const res = await post(
      '/trpc/uploads.presignPut',
      {
        authorization: auth,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(presignInput)),
      },
      [presignInput],
    )
    expect(res.status).toBe(200)
    expect(res.headers['transfer-encoding']).toBeUndefined()
    expect(Number(res.headers['content-length'])).toBe(Buffer.byteLength(res.body))
    expect(res.headers['cache-control']).toBe('no-store')
    expect(JSON.parse(res.body).result.data.documentId).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('still serves a call whose body comes chunked, without a Content-Length', async () => {
    const auth = `Bearer ${await h.token('trpc-route-b')}`
    const half = Math.floor(presignInput.length / 2)
    const res = await post(
      '/trpc/uploads.presignPut',
      { authorization: auth, 'content-type': 'application/json' },
      [presignInput.slice(0, half), presignInput.slice(half)],
    )
    expect(res.status).toBe(200)
    expect(JSON.parse(res.body).result.data.documentId).toMatch(/^[0-9a-f-]{36}$/)
  })

  it('refuses a body over the limit with 413 and the one error body', async () => {
    const auth = `Bearer ${await h.token('trpc-route-c')}`
    const big = JSON.stringify({ documentId: 'x'.repeat(MAX_TRPC_BODY_BYTES) })
    const res = await post(
      '/trpc/uploads.confirm',
      {
        authorization: auth,
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(big)),
      },
      [big],
    )
    expect(res.status).toBe(413)
    expect(JSON.parse(res.body).error.data.code).toBe('PAYLOAD_TOO_LARGE')
  })

  it('answers a call without a token 401 with the catalogue message, in one piece', async () => {
    const res = await post(
      '/trpc/uploads.presignPut',
      { 'content-type': 'application/json', 'content-length': String(presignInput.length) },
      [presignInput],
    )
    expect(res.status).toBe(401)
    expect(res.headers['transfer-encoding']).toBeUndefined()
    expect(JSON.parse(res.body).error.message).toBe(ERROR_CATALOGUE.unauthorized.message)
  })
})

/** The one-call form and the batch form of the same call, answered side by side. */
async function bothForms(path: string, input: unknown, token: string) {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' }
  const single = JSON.stringify(input)
  const batch = JSON.stringify({ 0: input })
  const [one, many] = await Promise.all([
    post(`/trpc/${path}`, { ...headers, 'content-length': String(Buffer.byteLength(single)) }, [
      single,
    ]),
    post(
      `/trpc/${path}?batch=1`,
      { ...headers, 'content-length': String(Buffer.byteLength(batch)) },
      [batch],
    ),
  ])
  return { one, many, oneBody: JSON.parse(one.body), manyBody: JSON.parse(many.body)[0] }
}

/** An error body without the request id, which differs between any two requests. */
function withoutRequestId(error: { data: { error: Record<string, unknown> } }) {
  const { requestId: _, ...rest } = error.data.error
  return { ...error, data: { ...error.data, error: rest } }
}

describe('a plain one-call mutation answers as tRPC answers it in a batch', () => {
  it('a success: status, Vary, Content-Type and the result', async () => {
    const token = await h.token('trpc-route-same-ok')
    const { one, many, oneBody, manyBody } = await bothForms(
      'uploads.presignPut',
      JSON.parse(presignInput),
      token,
    )
    expect(one.status).toBe(200)
    expect(many.status).toBe(200)
    expect(one.headers.vary).toBe(many.headers.vary)
    expect(one.headers['content-type']).toBe(many.headers['content-type'])
    expect(Object.keys(oneBody.result.data).sort()).toEqual(
      Object.keys(manyBody.result.data).sort(),
    )
    expect(oneBody.result.data.headers).toEqual(manyBody.result.data.headers)
    // The one-call path does not parse presignPut's answer again (serverBuiltOutput): what it
    // sends is still exactly what its declared output schema accepts, nothing more.
    const output = (appRouter.uploads.presignPut._def as { output?: z.ZodType }).output!
    expect(output.parse(oneBody.result.data)).toEqual(oneBody.result.data)
  })

  it('an input error: the same status, message, fields and error body', async () => {
    const token = await h.token('trpc-route-same-bad')
    const { one, many, oneBody, manyBody } = await bothForms(
      'uploads.presignPut',
      { ...JSON.parse(presignInput), size: -1 },
      token,
    )
    expect(one.status).toBe(400)
    expect(many.status).toBe(400)
    expect(withoutRequestId(oneBody.error)).toEqual(withoutRequestId(manyBody.error))
  })

  it('a catalogue error (someone else’s document): the same 404 and error body', async () => {
    const token = await h.token('trpc-route-same-404')
    const { one, many, oneBody, manyBody } = await bothForms(
      'uploads.confirm',
      { documentId: '00000000-0000-4000-8000-000000000000' },
      token,
    )
    expect(one.status).toBe(404)
    expect(many.status).toBe(404)
    expect(withoutRequestId(oneBody.error)).toEqual(withoutRequestId(manyBody.error))
  })

  it('a body that is not JSON and a query sent by POST answer as before', async () => {
    const auth = `Bearer ${await h.token('trpc-route-same-odd')}`
    const broken = await post(
      '/trpc/uploads.presignPut',
      { authorization: auth, 'content-type': 'application/json', 'content-length': '5' },
      ['{"a":'],
    )
    expect(broken.status).toBeGreaterThanOrEqual(400)
    expect(JSON.parse(broken.body).error).toBeDefined()
    const query = await post(
      '/trpc/policies.list',
      { authorization: auth, 'content-type': 'application/json', 'content-length': '2' },
      ['{}'],
    )
    expect(query.status).toBe(405)
  })
})
