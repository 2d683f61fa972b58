import { request } from 'node:http'
import { ERROR_CATALOGUE } from '@uplink/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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
