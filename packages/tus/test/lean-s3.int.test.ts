import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { testServices } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningApp, startApp } from './fixtures/app.ts'
import { bearer, freshConfig, keyOf, MiB, objectSha256, randomFile, sha256 } from './helpers.ts'

// The tus store's hot S3 calls go through the lean client, not the AWS SDK's pipeline; the
// `sdk` escape hatch sends them all through the SDK. A recording proxy in front of the real S3
// sees who sent each request (the SDK marks every request with amz-sdk-invocation-id).

interface Seen {
  operation: string
  sdk: boolean
}
let proxy: Server
let proxyUrl: string
const seen: Seen[] = []

function operationOf(method: string, url: URL): string {
  const q = url.searchParams
  if (method === 'POST' && q.has('uploads')) return 'CreateMultipartUpload'
  if (method === 'POST' && q.has('uploadId')) return 'CompleteMultipartUpload'
  if (method === 'PUT' && q.has('partNumber')) return 'UploadPart'
  if (method === 'PUT' && url.pathname.endsWith('.info')) return 'PutObject .info'
  return `${method} other`
}

beforeAll(async () => {
  const target = new URL(testServices().s3.endpoint)
  proxy = createServer((req, res) => {
    seen.push({
      operation: operationOf(req.method ?? '', new URL(req.url ?? '/', target)),
      sdk: req.headers['amz-sdk-invocation-id'] !== undefined,
    })
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(res)
      },
    )
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`
})
afterAll(() => new Promise((resolve) => proxy.close(resolve)))

const b64 = (s: string) => Buffer.from(s).toString('base64')

/** One tus upload in one PATCH; the stored object's SHA-256. */
async function upload(app: RunningApp, data: Buffer) {
  const headers = { 'Tus-Resumable': '1.0.0', Authorization: bearer('lena') }
  const created = await fetch(`${app.url}/files`, {
    method: 'POST',
    headers: {
      ...headers,
      'Upload-Length': String(data.length),
      'Upload-Metadata': `filename ${b64('ü ber.pdf')},filetype ${b64('application/pdf')},purpose ${b64('document')}`,
    },
  })
  expect(created.status).toBe(201)
  const url = new URL(created.headers.get('location') ?? '', app.url).toString()
  const patched = await fetch(url, {
    method: 'PATCH',
    headers: {
      ...headers,
      'Upload-Offset': '0',
      'Content-Type': 'application/offset+octet-stream',
    },
    body: data,
  })
  await patched.arrayBuffer()
  expect(patched.status).toBe(204)
  return objectSha256(app.storage.client, app.storage.bucket, keyOf(url))
}

describe.each([
  { client: 'lean' as const, sdkSends: false },
  { client: 'sdk' as const, sdkSends: true },
])('the tus store with s3Client $client', ({ client, sdkSends }) => {
  let app: RunningApp
  beforeAll(async () => {
    const config = await freshConfig(client === 'sdk' ? { s3Client: 'sdk' } : undefined)
    app = await startApp({ ...config, s3: { ...config.s3, endpoint: proxyUrl } })
  })
  afterAll(() => app?.close())

  it(`stores the upload byte for byte, its hot calls ${sdkSends ? 'all' : 'none'} sent by the AWS SDK`, async () => {
    const data = randomFile(6 * MiB + 17)
    seen.length = 0
    const stored = await upload(app, data)
    expect(stored.sha256).toBe(sha256(data))
    const hot = seen.filter((s) => !s.operation.endsWith('other'))
    expect(hot.map((s) => s.operation).sort()).toEqual([
      'CompleteMultipartUpload',
      'CreateMultipartUpload',
      'PutObject .info',
      'UploadPart',
      'UploadPart',
    ])
    expect(hot.map((s) => s.sdk)).toEqual(hot.map(() => sdkSends))
  })
})
