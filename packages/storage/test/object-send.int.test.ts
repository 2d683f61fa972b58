import { execFileSync } from 'node:child_process'
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { finished } from 'node:stream/promises'
import tls from 'node:tls'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { storageSettings, testServices } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStorage, objectKey } from '../src/index.ts'
import { BUFFERS_IN_FLIGHT } from '../src/object-body.ts'

// ObjectBody.sendTo (the zero-copy path of /content and /cdn) against the real S3 the suite
// runs (versitygw, or MinIO with UPLINK_TEST_S3=minio), over plain http and over TLS, and our
// HTTP reader against answers S3 rarely sends (chunked, cut mid-chunk) from a loopback server.
const { s3 } = testServices()
const MiB = 1024 * 1024
const key = objectKey({ ownerId: 'alice', purpose: 'document', documentId: randomUUID() })
const body = randomBytes(24 * MiB)
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex')
let storage: ReturnType<typeof createStorage>
/** A self-signed certificate for 127.0.0.1, trusted by this process's TLS clients. */
const certificate = { key: '', cert: '' }
beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'uplink-tls-'))
  try {
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
        ...['-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
        ...['-addext', 'subjectAltName=IP:127.0.0.1'],
        ...['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      ],
      { stdio: 'ignore' },
    )
    certificate.key = readFileSync(join(dir, 'key.pem'), 'utf8')
    certificate.cert = readFileSync(join(dir, 'cert.pem'), 'utf8')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  tls.setDefaultCACertificates([...tls.getCACertificates('default'), certificate.cert])
  storage = createStorage(storageSettings(s3))
  await storage.client.send(new PutObjectCommand({ Bucket: storage.bucket, Key: key, Body: body }))
})
afterAll(() => storage.destroy())

/**
 * A client that takes one write per `setImmediate` turn: what it was sent, the most writes it
 * had unflushed at once, and the distinct memory the chunks lived in.
 */
function slowClient() {
  const hash = createHash('sha256')
  const got = { bytes: 0, mostUnflushed: 0, memory: new Set<ArrayBufferLike>() }
  let unflushed = 0
  const dest = new Writable({
    highWaterMark: 0,
    write(chunk: Buffer, _enc, done) {
      hash.update(chunk)
      got.bytes += chunk.length
      got.memory.add(chunk.buffer)
      setImmediate(done)
    },
  })
  const write = dest.write.bind(dest)
  // Counts the writes that carry a callback: one per read buffer (a read that holds several
  // chunks of a chunked body writes the others without one).
  dest.write = ((chunk: Buffer, cb?: () => void) => {
    if (!cb) return write(chunk)
    got.mostUnflushed = Math.max(got.mostUnflushed, ++unflushed)
    return write(chunk, () => {
      unflushed--
      cb()
    })
  }) as typeof dest.write
  /** Sends `object` to this client and waits until it has taken every byte. */
  async function take(object: { sendTo(d: Writable): Promise<void> }) {
    await object.sendTo(dest)
    dest.end()
    await finished(dest)
  }
  return { dest, got, take, digest: () => hash.digest('hex') }
}

describe('sending an object to a client', () => {
  it('goes through at most BUFFERS_IN_FLIGHT read buffers, reused, whatever its size', async () => {
    for (const range of [undefined, { start: 3, end: body.length - 5 }]) {
      const client = slowClient()
      await client.take((await storage.readStream(key, { range }))!)
      const expected = range ? body.subarray(range.start, range.end + 1) : body
      expect(client.got.bytes).toBe(expected.length)
      expect(client.digest()).toBe(sha256(expected))
      expect(client.got.mostUnflushed).toBeLessThanOrEqual(BUFFERS_IN_FLIGHT)
      // 24 MiB in reads of at most 512 KiB: ≥ 48 reads, through a handful of buffers.
      expect(client.got.memory.size).toBeLessThanOrEqual(BUFFERS_IN_FLIGHT + 2)
    }
  })

  it('reads over TLS', async () => {
    const s3Port = Number(new URL(s3.endpoint).port)
    const front = tls.createServer(certificate, (client) => {
      const upstream = net.connect(s3Port, '127.0.0.1')
      client.pipe(upstream).pipe(client)
      for (const s of [client, upstream]) s.on('error', () => s.destroy())
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r))
    const port = (front.address() as net.AddressInfo).port
    const secure = createStorage({ ...storageSettings(s3), endpoint: `https://127.0.0.1:${port}` })
    try {
      const client = slowClient()
      await client.take((await secure.readStream(key))!)
      expect(client.digest()).toBe(sha256(body))
      const part = (await secure.readStream(key, { range: { start: 10, end: 19 } }))!
      const chunks: Buffer[] = []
      for await (const c of part) chunks.push(c as Buffer)
      expect(Buffer.concat(chunks).equals(body.subarray(10, 20))).toBe(true)
    } finally {
      secure.destroy()
      await new Promise((r) => front.close(r))
    }
  })
})

describe('our HTTP reader', () => {
  /** A loopback "S3" that answers every GET with `answer`, counting connections. */
  async function fakeS3(answer: Parameters<typeof createServer>[1], secure = false) {
    let connections = 0
    const server: Server = secure ? createHttpsServer(certificate, answer) : createServer(answer)
    server.on(secure ? 'secureConnection' : 'connection', () => connections++)
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const port = (server.address() as net.AddressInfo).port
    const endpoint = `${secure ? 'https' : 'http'}://127.0.0.1:${port}`
    const fake = createStorage({ ...storageSettings(s3), endpoint })
    return {
      storage: fake,
      connections: () => connections,
      async close() {
        fake.destroy()
        server.closeAllConnections()
        await new Promise((r) => server.close(r))
      },
    }
  }

  it.each([
    { over: 'http', secure: false },
    { over: 'TLS', secure: true },
  ])(
    'reads a chunked answer over $over and keeps its connection for the next GET',
    async ({ secure }) => {
      const data = randomBytes(3 * MiB + 17)
      const fake = await fakeS3((_req, res) => {
        // No Content-Length: Node's server sends it chunked, in pieces of uneven size.
        res.writeHead(200, { 'content-type': 'application/octet-stream' })
        for (let at = 0; at < data.length; at += 100_003) res.write(data.subarray(at, at + 100_003))
        res.end()
      }, secure)
      try {
        for (let i = 0; i < 2; i++) {
          const client = slowClient()
          await client.take((await fake.storage.readStream('k'))!)
          expect(client.digest()).toBe(sha256(data))
        }
        expect(fake.connections()).toBe(1)
      } finally {
        await fake.close()
      }
    },
  )

  it('fails the GET when the answer cannot be read, rather than waiting for it', async () => {
    const raw = net.createServer((socket) => {
      socket.on('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\nbody'))
    })
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', r))
    const port = (raw.address() as net.AddressInfo).port
    const odd = createStorage({ ...storageSettings(s3), endpoint: `http://127.0.0.1:${port}` })
    try {
      await expect(odd.readStream('k')).rejects.toThrow(/Content-Length/)
    } finally {
      odd.destroy()
      await new Promise((r) => raw.close(r))
    }
  })

  it('fails a chunked body cut mid-chunk, and opens a new connection for the next GET', async () => {
    let calls = 0
    const fake = await fakeS3((_req, res) => {
      res.writeHead(200)
      // The first answer is cut once its head and first 300,000 bytes have gone out.
      if (++calls === 1) res.write(randomBytes(300_000), () => res.socket?.destroy())
      else res.end(randomBytes(300_000))
    })
    try {
      const client = slowClient()
      const cut = (await fake.storage.readStream('k'))!
      await expect(cut.sendTo(client.dest)).rejects.toThrow(/closed/)
      const chunks: Buffer[] = []
      for await (const c of (await fake.storage.readStream('k'))!) chunks.push(c as Buffer)
      expect(Buffer.concat(chunks).length).toBe(300_000)
      expect(fake.connections()).toBe(2)
    } finally {
      await fake.close()
    }
  })
})
