import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { createServer, get, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { pipeBody } from './pipe-body.ts'

const CHUNK = 64 * 1024
const block = randomBytes(CHUNK)

/**
 * `chunks` × 64 KiB, produced on demand (as an S3 GET body), counting what was read; with
 * `failAt`, the stream fails (as a reset S3 connection) when that many chunks were read.
 */
function source(chunks: number, failAt?: number) {
  let produced = 0
  const stream = new Readable({
    read() {
      if (produced === failAt) return void this.destroy(new Error('S3 connection reset'))
      if (produced === chunks) return void this.push(null)
      produced++
      this.push(block)
    },
  })
  return { stream, produced: () => produced }
}

const servers: ReturnType<typeof createServer>[] = []
afterEach(() => {
  for (const s of servers.splice(0)) s.close()
})

/** A server whose one request is answered by `handle`; resolves with the response's URL. */
async function serve(handle: (res: ServerResponse) => void): Promise<string> {
  const server = createServer((_req, res) => handle(res))
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
}

function request(url: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => get(url, resolve).on('error', reject))
}

async function sha256(res: IncomingMessage): Promise<{ bytes: number; digest: string }> {
  const hash = createHash('sha256')
  let bytes = 0
  for await (const chunk of res) {
    hash.update(chunk)
    bytes += chunk.length
  }
  return { bytes, digest: hash.digest('hex') }
}

function expected(chunks: number): string {
  const hash = createHash('sha256')
  for (let i = 0; i < chunks; i++) hash.update(block)
  return hash.digest('hex')
}

describe('pipeBody', () => {
  it('streams every byte of the source and finishes the response', async () => {
    const src = source(160)
    let piped: Promise<void> | undefined
    const url = await serve((res) => {
      res.setHeader('Content-Length', String(160 * CHUNK))
      piped = pipeBody(src.stream, res)
    })
    const got = await sha256(await request(url))
    expect(got).toEqual({ bytes: 160 * CHUNK, digest: expected(160) })
    await expect(piped).resolves.toBeUndefined()
  })

  it('pauses the source once `limit` bytes wait for a client that is not reading, and resumes on drain', async () => {
    // Larger than the loopback socket buffers can absorb, so the limit is reached.
    const chunks = 2048
    const src = source(chunks)
    const limit = 256 * 1024
    let piped: Promise<void> | undefined
    let response: ServerResponse | undefined
    const url = await serve((res) => {
      response = res
      piped = pipeBody(src.stream, res, limit)
    })
    const res = await request(url)
    res.pause()
    // The source may have paused before this line (the server writes as soon as it is asked).
    while (!src.stream.isPaused()) await once(src.stream, 'pause')
    // Held back: the response buffers about `limit`, not the rest of the source.
    expect(response!.writableLength).toBeLessThan(limit + 32 * CHUNK)
    expect(src.produced()).toBeLessThan(chunks)
    const got = await sha256(res)
    expect(got).toEqual({ bytes: chunks * CHUNK, digest: expected(chunks) })
    await expect(piped).resolves.toBeUndefined()
  })

  it('destroys the source and rejects when the client goes away mid-body', async () => {
    const src = source(100_000)
    let piped: Promise<void> | undefined
    const url = await serve((res) => {
      piped = pipeBody(src.stream, res)
    })
    const res = await request(url)
    await once(res, 'data')
    res.destroy()
    await once(src.stream, 'close')
    await expect(piped).rejects.toThrow()
    expect(src.stream.destroyed).toBe(true)
  })

  it('cuts the response short and rejects when the source fails', async () => {
    const src = source(100_000, 200)
    let outcome: Promise<unknown> | undefined
    const url = await serve((res) => {
      res.setHeader('Content-Length', String(100_000 * CHUNK))
      outcome = pipeBody(src.stream, res).then(
        () => 'resolved',
        (err: Error) => err.message,
      )
    })
    const res = await request(url)
    const cut = new Promise((resolve) => res.once('close', resolve).once('error', resolve))
    res.resume()
    await cut
    // The client sees a body shorter than its Content-Length, never a complete response.
    expect(res.complete).toBe(false)
    expect(await outcome).toBe('S3 connection reset')
  })
})
