import { request } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

/**
 * URLs the server hands out never come from what a client sends: a forged Host and, behind a
 * trusted proxy, X-Forwarded-Host/-Proto change nothing a later request or another user sees.
 */
let h: Harness
beforeAll(async () => {
  h = await startHarness({ UPLINK_TRUST_PROXY: 'true' })
})
afterAll(async () => {
  await h?.close()
})

const FORGED = {
  Host: 'evil.example/x?',
  'X-Forwarded-Host': 'evil.example',
  'X-Forwarded-Proto': 'https',
}

/** One request with node:http, which lets the test set Host. */
function send(method: string, path: string, headers: Record<string, string>, body?: string) {
  const port = Number(new URL(h.baseUrl).port)
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
        let text = ''
        res.on('data', (c: Buffer) => {
          text += c.toString()
        })
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }),
        )
      })
      req.on('error', reject)
      req.end(body)
    },
  )
}

const b64 = (text: string) => Buffer.from(text).toString('base64')

describe('URLs derived from configuration, never from request headers', () => {
  it('tus creation answers a relative Location whatever Host and X-Forwarded-* say', async () => {
    const res = await send('POST', '/files', {
      ...FORGED,
      Authorization: `Bearer ${await h.token('alice')}`,
      'Tus-Resumable': '1.0.0',
      'Upload-Length': '1000',
      'Upload-Metadata': `filename ${b64('clip.mp4')},filetype ${b64('video/mp4')},purpose ${b64('video')}`,
    })
    expect(res.status).toBe(201)
    // tus: the Location "MAY be absolute or relative"; relative, no header can steer it.
    expect(res.headers.location).toMatch(/^\/files\/alice\/video\/[0-9a-f-]{36}$/)
  })

  it('the OpenAPI document names its server from configuration (relative when unset) whatever Host says', async () => {
    const res = await send('GET', '/api/openapi.json', FORGED)
    expect(res.status).toBe(200)
    const doc = JSON.parse(res.body) as { servers: { url: string }[] }
    expect(doc.servers.map((s) => s.url)).toEqual(['/'])
    expect(res.body).not.toContain('evil.example')
  })

  it('no CORS grant follows a forged Origin, Host or X-Forwarded-Host', async () => {
    for (const path of ['/files', '/trpc/policies.list', '/api/openapi.json']) {
      const res = await send('OPTIONS', path, {
        ...FORGED,
        Origin: 'https://evil.example',
        'Access-Control-Request-Method': 'POST',
      })
      expect(res.headers['access-control-allow-origin'], path).toBeUndefined()
    }
  })
})
