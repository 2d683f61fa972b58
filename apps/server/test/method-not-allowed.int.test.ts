import { request } from 'node:http'
import { errorBody } from '@uplink/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

// Schemathesis (unsupported_method) found TRACE on documented paths answered 404: a method a
// path does not serve is a 405 with Allow (RFC 9110 §15.5.6), from the one error body.
let h: Harness
let paths: Record<string, Record<string, unknown>>
beforeAll(async () => {
  h = await startHarness()
  const doc = (await (await fetch(`${h.baseUrl}/api/openapi.json`)).json()) as {
    paths: typeof paths
  }
  paths = doc.paths
})
afterAll(async () => {
  await h?.close()
})

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
const ID = '00000000-0000-4000-8000-000000000000'

/** fetch refuses TRACE: node:http sends any method. */
function send(method: string, path: string) {
  return new Promise<{ status: number; allow: string | undefined; body: string }>(
    (resolve, reject) => {
      const req = request(`${h.baseUrl}${path}`, { method }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => {
          body += chunk
        })
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, body }),
        )
      })
      req.on('error', reject)
      req.end()
    },
  )
}

/** The Allow a documented path answers: its methods, HEAD wherever GET is. */
function allowOf(item: Record<string, unknown>): string {
  const methods = new Set(Object.keys(item).filter((m) => METHODS.includes(m)))
  if (methods.has('get')) methods.add('head')
  return [...methods]
    .map((m) => m.toUpperCase())
    .sort()
    .join(', ')
}

describe('a method a documented path does not serve', () => {
  it('TRACE on every path of the document answers 405 with Allow and the error body', async () => {
    expect(Object.keys(paths).length).toBeGreaterThan(10)
    for (const [template, item] of Object.entries(paths)) {
      const path = template.replace(/\{documentId\}|\{id\}/g, ID).replace(/\{[^}]+\}/g, 'x')
      const res = await send('TRACE', path)
      expect({ path, status: res.status, allow: res.allow }).toEqual({
        path,
        status: 405,
        allow: allowOf(item),
      })
      expect(errorBody.strict().parse(JSON.parse(res.body))).toMatchObject({
        code: 'method_not_allowed',
        message: expect.stringContaining(`TRACE is not allowed on ${path}; use ${allowOf(item)}`),
      })
    }
  })

  it('a method of another path of the same prefix is refused too (GET on a POST-only path)', async () => {
    const res = await send('GET', '/api/uploads/confirm')
    expect([res.status, res.allow]).toEqual([405, 'POST'])
    const docs = await send('DELETE', '/api/openapi.json')
    expect([docs.status, docs.allow]).toEqual([405, 'GET, HEAD'])
    // A tus upload URL is not a download URL: the message says where downloads are.
    const tus = await send('GET', '/files/x/document/y')
    expect([tus.status, tus.allow]).toEqual([405, 'DELETE, HEAD, PATCH'])
    expect(JSON.parse(tus.body).message).toContain('/documents/{id}/download')
  })

  it('documented methods, OPTIONS and unknown paths go on to their routes', async () => {
    // Reached the procedure: it wants a JSON body.
    expect((await send('POST', '/api/uploads/confirm')).status).toBe(415)
    expect((await send('GET', '/api/documents')).status).toBe(401)
    // tus answers OPTIONS (CORS preflights, discovery) on every /files URL.
    expect((await send('OPTIONS', '/files/x/document/y')).status).toBe(200)
    const unknown = await send('TRACE', '/api/no-such-route')
    expect([unknown.status, JSON.parse(unknown.body).code]).toEqual([404, 'route_not_found'])
  })
})
