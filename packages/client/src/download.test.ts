import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterEach, describe, expect, it } from 'vitest'
import { download } from './download.ts'
import type { ClientContext, UplinkTrpc } from './trpc.ts'

const MiB = 1024 * 1024
const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

/**
 * A loopback HTTP/1.1 peer written on raw TCP, so the test decides exactly how the response ends
 * (versitygw, the S3 of the integration tests, answers GETs with `Connection: close`).
 */
async function storage(respond: (sock: Socket, request: number) => void): Promise<string> {
  let requests = 0
  const server = createServer((sock) => {
    sock.once('data', () => respond(sock, ++requests))
    sock.on('error', () => {})
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  return `http://127.0.0.1:${port}/bucket/key?X-Amz-Signature=test`
}

function head(status: string, length: number) {
  return `HTTP/1.1 ${status}\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n`
}

/** A client context whose `documents.downloadUrl` answers with `url` and counts the calls. */
function context(url: string, sha256: string | null) {
  const minted = { count: 0 }
  const trpc = {
    documents: {
      downloadUrl: {
        query: async () => {
          minted.count++
          return { url, sha256 }
        },
      },
    },
  } as unknown as UplinkTrpc
  const ctx: ClientContext = { url: 'http://127.0.0.1:1', token: 't', trpc, fetch }
  return { ctx, minted }
}

/** A Writable that takes 1 ms per chunk: the body arrives much faster than it is written. */
function slowSink() {
  const hash = createHash('sha256')
  let bytes = 0
  const sink = new Writable({
    highWaterMark: 64 * 1024,
    write(chunk: Buffer, _encoding, done) {
      hash.update(chunk)
      bytes += chunk.length
      setTimeout(done, 1)
    },
  })
  return { sink, result: () => ({ bytes, sha256: hash.digest('base64') }) }
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64')

describe('download', () => {
  it('streams 40 MiB to a slow writer when storage sends it all and closes the connection', async () => {
    // Node 24's bundled undici crashed the process here (assert(!this.paused), undici #5360).
    const body = randomBytes(40 * MiB)
    const url = await storage((sock) => {
      sock.write(head('200 OK', body.length))
      sock.end(body)
    })
    const { sink, result } = slowSink()
    expect(await download(context(url, sha256(body)).ctx, 'doc', sink)).toBe(body.length)
    expect(result()).toEqual({ bytes: body.length, sha256: sha256(body) })
  })

  it('fails with NETWORK and leaves no file when storage closes before the whole body', async () => {
    const url = await storage((sock) => {
      sock.write(head('200 OK', 8 * MiB))
      sock.end(randomBytes(3 * MiB))
    })
    const dir = await mkdtemp(join(tmpdir(), 'uplink-download-'))
    try {
      const err = await download(context(url, null).ctx, 'doc', join(dir, 'out')).catch(
        (e: unknown) => e,
      )
      expect(err).toMatchObject({
        name: 'UplinkError',
        code: 'NETWORK',
        message: 'storage closed the connection before the whole body',
      })
      expect(await readdir(dir)).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('stops with ABORTED and leaves no file when the signal fires mid-body (Ctrl-C)', async () => {
    const url = await storage((sock) => {
      sock.write(head('200 OK', 8 * MiB))
      sock.write(randomBytes(MiB)) // and then nothing: only the signal ends this
    })
    const dir = await mkdtemp(join(tmpdir(), 'uplink-download-'))
    try {
      const stop = new AbortController()
      setTimeout(() => stop.abort(), 200)
      const err = await download(context(url, null).ctx, 'doc', join(dir, 'out'), {
        signal: stop.signal,
      }).catch((e: unknown) => e)
      expect(err).toMatchObject({ name: 'UplinkError', code: 'ABORTED' })
      expect(await readdir(dir)).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('asks for a fresh URL once when storage answers 403 (an expired URL)', async () => {
    const body = Buffer.from('%PDF-1.7\n%%EOF\n')
    const url = await storage((sock, request) => {
      if (request === 1) sock.end(`${head('403 Forbidden', 0)}`)
      else sock.end(Buffer.concat([Buffer.from(head('200 OK', body.length)), body]))
    })
    const { ctx, minted } = context(url, sha256(body))
    const { sink, result } = slowSink()
    expect(await download(ctx, 'doc', sink)).toBe(body.length)
    expect([minted.count, result().sha256]).toEqual([2, sha256(body)])
  })

  it('fails with FORBIDDEN when the fresh URL is refused too', async () => {
    const url = await storage((sock) => sock.end(head('403 Forbidden', 0)))
    const { ctx, minted } = context(url, null)
    const err = await download(ctx, 'doc', slowSink().sink).catch((e: unknown) => e)
    expect(err).toMatchObject({ name: 'UplinkError', code: 'FORBIDDEN', status: 403 })
    expect(minted.count).toBe(2)
  })
})
