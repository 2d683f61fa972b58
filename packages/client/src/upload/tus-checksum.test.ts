import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { shouldRetryTus } from '@uplink/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checksummingHttpStack } from './tus-checksum.ts'

interface Seen {
  method: string
  checksum: string | undefined
  length: string | undefined
  body: Buffer
}

let server: Server
let url: string
const seen: Seen[] = []
beforeAll(async () => {
  server = createServer(async (req: IncomingMessage, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    seen.push({
      method: req.method ?? '',
      checksum: req.headers['upload-checksum'] as string | undefined,
      length: req.headers['content-length'],
      body: Buffer.concat(chunks),
    })
    res.writeHead(204).end()
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/files/x`
})
afterAll(() => new Promise<void>((r) => server.close(() => r())))

const sha256 = (b: Buffer) => `sha256 ${createHash('sha256').update(b).digest('base64')}`

describe('checksummingHttpStack', () => {
  it('sends Upload-Checksum sha256 of a Buffer PATCH body and of a stream slice', async () => {
    const stack = checksummingHttpStack()
    const bytes = Buffer.from('the bytes of one chunk')
    await stack.createRequest('PATCH', url).send(bytes)
    await stack
      .createRequest('PATCH', url)
      .send(Readable.from([bytes.subarray(0, 5), bytes.subarray(5)]))
    await stack.createRequest('PATCH', url).send(null)
    expect(seen.map((s) => [s.checksum, s.length, s.body.toString()])).toEqual([
      [sha256(bytes), String(bytes.length), bytes.toString()],
      [sha256(bytes), String(bytes.length), bytes.toString()],
      [sha256(Buffer.alloc(0)), '0', ''],
    ])
  })

  it('leaves other requests alone', async () => {
    seen.length = 0
    await checksummingHttpStack().createRequest('HEAD', url).send(null)
    expect(seen[0]?.checksum).toBeUndefined()
  })
})

describe('shouldRetryTus', () => {
  it('retries 460 Checksum Mismatch besides network errors, 5xx, 409 and 423', () => {
    expect([0, 500, 503, 409, 423, 460].map(shouldRetryTus)).toEqual(Array(6).fill(true))
    expect([400, 401, 404, 413, 415].map(shouldRetryTus)).toEqual(Array(5).fill(false))
  })
})
