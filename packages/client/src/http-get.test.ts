import { createServer, type Server, type Socket } from 'node:net'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { afterEach, describe, expect, it } from 'vitest'
import { httpGet } from './http-get.ts'

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))))
})

/** A loopback HTTP/1.1 peer on raw TCP that answers the first request with `respond`. */
async function peer(respond: (sock: Socket) => void): Promise<string> {
  const server = createServer((sock) => {
    sock.once('data', () => respond(sock))
    sock.on('error', () => {})
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/object`
}

/** A Writable that holds the first chunk for `ms` before taking the rest. */
function sink(ms: number) {
  let first = true
  return new Writable({
    highWaterMark: 1,
    write(_chunk, _encoding, done) {
      if (first) setTimeout(done, ms)
      else done()
      first = false
    },
  })
}

describe('httpGet', () => {
  it('fails with NETWORK when storage sends half the body and then nothing', async () => {
    const url = await peer((sock) => {
      sock.write('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n')
      sock.write(Buffer.alloc(500))
    })
    // On a loaded machine the stall may already be seen before the headers are read: the same
    // error either way, never a hang or another error.
    const err = await httpGet(url, { idleTimeoutMs: 200 })
      .then((res) => pipeline(res, sink(0)))
      .catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'NETWORK', message: 'storage sent nothing for 0.2 s' })
  })

  it('does not time out while the reader holds the body back longer than the idle timeout', async () => {
    const body = Buffer.alloc(1024 * 1024)
    const url = await peer((sock) => {
      sock.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`)
      sock.end(body)
    })
    // 1 s, not less: a process a loaded machine does not run for longer than that between
    // the request and the answer's first bytes sees storage as silent (load 30 did, for 0.2 s).
    const res = await httpGet(url, { idleTimeoutMs: 1000 })
    // Storage sends everything at once, then the paused socket is quiet for 3 idle timeouts.
    await pipeline(res, sink(3000))
    expect(res.complete).toBe(true)
  })

  it('fails with NETWORK when nothing listens, without the URL in the message', async () => {
    const url = await peer(() => {})
    await new Promise((r) => servers.pop()?.close(r))
    const err = await httpGet(`${url}?X-Amz-Signature=secret`).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'NETWORK', message: expect.stringMatching(/ECONNREFUSED/) })
    expect((err as Error).message).not.toContain('secret')
  })

  it('refuses a URL that is not http: or https:', async () => {
    await expect(httpGet('file:///etc/passwd')).rejects.toMatchObject({ code: 'BAD_REQUEST' })
  })
})
