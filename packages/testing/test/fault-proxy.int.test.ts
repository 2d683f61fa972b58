import { createHash, randomBytes } from 'node:crypto'
import { Agent, createServer, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import {
  CreateMultipartUploadCommand,
  GetObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type FaultProxy, s3Client, startFaultProxy, testServices } from '../src/index.ts'

const MiB = 1024 * 1024
let proxy: FaultProxy
const lines: string[] = []
let viaProxy: S3Client
let direct: S3Client

/**
 * A client through the proxy that sends bodies as presigned URLs do (UNSIGNED-PAYLOAD, no
 * automatic checksum, no SDK retry), so only a checksum the caller adds protects the body.
 */
function proxiedClient(endpoint: string): S3Client {
  const { s3 } = testServices()
  const client = new S3Client({
    endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  })
  client.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string> }
      if (request.headers) request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD'
      return next(args)
    },
    { step: 'build', name: 'unsignedPayload' },
  )
  return client
}

async function read(key: string): Promise<Buffer> {
  const { s3 } = testServices()
  const res = await direct.send(new GetObjectCommand({ Bucket: s3.bucket, Key: key }))
  return Buffer.from(
    await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray(),
  )
}

beforeAll(async () => {
  const { s3 } = testServices()
  proxy = await startFaultProxy({ target: s3.endpoint, log: (l) => lines.push(l) })
  viaProxy = proxiedClient(proxy.endpoint)
  direct = s3Client(s3)
})
afterAll(async () => {
  viaProxy?.destroy()
  direct?.destroy()
  await proxy?.stop()
})

describe('fault proxy', () => {
  it('passes requests to S3 through unchanged when no fault is set', async () => {
    const { s3 } = testServices()
    const before = proxy.stats.requests
    const bodies = [randomBytes(1000), randomBytes(3 * MiB), Buffer.alloc(0)]
    for (const [i, body] of bodies.entries()) {
      await viaProxy.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: `proxy/plain-${i}`, Body: body }),
      )
    }
    for (const [i, body] of bodies.entries())
      expect((await read(`proxy/plain-${i}`)).equals(body)).toBe(true)
    // A slow reader: the answer backs up in the proxy while S3 closes its side.
    const res = await viaProxy.send(
      new GetObjectCommand({ Bucket: s3.bucket, Key: 'proxy/plain-1' }),
    )
    const chunks: Buffer[] = []
    for await (const chunk of res.Body as AsyncIterable<Uint8Array>) {
      chunks.push(Buffer.from(chunk))
      await new Promise((r) => setTimeout(r, 5))
    }
    expect(Buffer.concat(chunks).equals(bodies[1] as Buffer)).toBe(true)
    expect(proxy.stats.requests - before).toBe(4)
    expect(proxy.stats.faults).toHaveLength(0)
  })

  it('finds every request of a keep-alive connection and faults only the selected one', async () => {
    // versitygw closes the connection after each answer, so a local server shows keep-alive.
    const seen: string[] = []
    const upstream = createServer((req, res) => {
      const hash = createHash('sha256')
      req.on('data', (d: Buffer) => hash.update(d))
      req.on('end', () => {
        seen.push(`${req.method} ${req.url}`)
        res.end(hash.digest('hex'))
      })
    })
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()))
    const local = await startFaultProxy({
      target: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      log: () => {},
    })
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const send = (method: string, path: string, body?: Buffer) =>
      new Promise<string>((resolve, reject) => {
        const headers = body ? { 'content-length': String(body.length) } : undefined
        const req = request(`${local.endpoint}${path}`, { method, agent, headers }, (res) => {
          let text = ''
          res.on('data', (d: Buffer) => {
            text += d
          })
          res.on('end', () => resolve(text))
        })
        req.on('error', reject)
        req.end(body)
      })
    try {
      local.setFault({ kind: 'flip', method: 'PUT', path: /\/b\?part=2$/, offset: 5 })
      const bodies = [randomBytes(3 * MiB), randomBytes(10), randomBytes(1000)]
      const answers = [
        await send('GET', '/a?x=1'),
        await send('PUT', '/b?part=1', bodies[0]),
        await send('PUT', '/b?part=2', bodies[1]),
        await send('POST', '/c', bodies[2]),
      ]
      const flipped = Buffer.from(bodies[1] as Buffer)
      flipped[5] = (flipped[5] ?? 0) ^ 0xff
      expect(answers.slice(1)).toEqual([
        createHash('sha256')
          .update(bodies[0] as Buffer)
          .digest('hex'),
        createHash('sha256').update(flipped).digest('hex'),
        createHash('sha256')
          .update(bodies[2] as Buffer)
          .digest('hex'),
      ])
      expect(seen).toEqual(['GET /a?x=1', 'PUT /b?part=1', 'PUT /b?part=2', 'POST /c'])
      expect(local.stats).toMatchObject({ connections: 1, requests: 4, bodyBytes: 3 * MiB + 1010 })
      expect(local.stats.faults).toEqual([
        { kind: 'flip', method: 'PUT', path: '/b', offset: 5, contentLength: 10 },
      ])
    } finally {
      agent.destroy()
      await local.stop()
      await new Promise((r) => upstream.close(r))
    }
  })

  it('pads a PUT without checksum with zeros, which S3 stores (the emulated store)', async () => {
    const { s3 } = testServices()
    const body = randomBytes(2 * MiB)
    const offset = 700_000
    proxy.setFault({ kind: 'pad', method: 'PUT', path: /\/proxy\/padded(\?|$)/, offset })
    await expect(
      viaProxy.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'proxy/padded', Body: body })),
    ).rejects.toThrow()
    const stored = await read('proxy/padded')
    expect(stored.length).toBe(body.length)
    expect(stored.subarray(0, offset).equals(body.subarray(0, offset))).toBe(true)
    expect(stored.subarray(offset).equals(Buffer.alloc(body.length - offset))).toBe(true)
    expect(proxy.stats.faults.at(-1)).toMatchObject({
      kind: 'pad',
      method: 'PUT',
      path: `/${s3.bucket}/proxy/padded`,
      offset,
    })
  })

  it('flips a byte of a PutObject with ChecksumSHA256, which S3 refuses', async () => {
    const { s3 } = testServices()
    const body = randomBytes(MiB)
    const sha = createHash('sha256').update(body).digest('base64')
    proxy.setFault({ kind: 'flip', method: 'PUT', path: /\/proxy\/flipped(\?|$)/, offset: 4321 })
    await expect(
      viaProxy.send(
        new PutObjectCommand({
          Bucket: s3.bucket,
          Key: 'proxy/flipped',
          Body: body,
          ChecksumSHA256: sha,
        }),
      ),
    ).rejects.toThrow()
    await expect(read('proxy/flipped')).rejects.toThrow()
    expect(proxy.stats.faults.at(-1)).toMatchObject({ kind: 'flip', offset: 4321 })
  })

  it('cuts a body and closes both sides; the client sees a network error', async () => {
    const { s3 } = testServices()
    proxy.setFault({ kind: 'cut', method: 'PUT', path: /\/proxy\/cut(\?|$)/, offset: 10 })
    await expect(
      viaProxy.send(
        new PutObjectCommand({ Bucket: s3.bucket, Key: 'proxy/cut', Body: randomBytes(MiB) }),
      ),
    ).rejects.toThrow()
    expect(proxy.stats.faults.at(-1)).toMatchObject({ kind: 'cut', offset: 10 })
    // Once the target has closed the cut connection, it has stored nothing of it.
    await proxy.settled()
    await expect(read('proxy/cut')).rejects.toThrow()
    // A `next` rule is spent: the same request now goes through.
    const body = randomBytes(MiB)
    await viaProxy.send(new PutObjectCommand({ Bucket: s3.bucket, Key: 'proxy/cut', Body: body }))
    expect((await read('proxy/cut')).equals(body)).toBe(true)
  })

  it('stalls a body at an offset until a side closes, and reports it when applied', async () => {
    const { s3 } = testServices()
    proxy.setFault({ kind: 'stall', method: 'PUT', path: /\/proxy\/stalled(\?|$)/, offset: 1000 })
    const applied = proxy.nextFault()
    const abort = new AbortController()
    const put = viaProxy.send(
      new PutObjectCommand({ Bucket: s3.bucket, Key: 'proxy/stalled', Body: randomBytes(MiB) }),
      { abortSignal: abort.signal },
    )
    expect(await applied).toMatchObject({ kind: 'stall', offset: 1000, contentLength: MiB })
    abort.abort()
    await expect(put).rejects.toThrow()
    // Held at the offset until the client left: the target never got the whole object.
    await proxy.settled()
    await expect(read('proxy/stalled')).rejects.toThrow()
  })

  it('selects parts by query, logs the path without the query string, and repeats with `every`', async () => {
    const { s3 } = testServices()
    const key = 'proxy/multipart'
    const { UploadId } = await direct.send(
      new CreateMultipartUploadCommand({ Bucket: s3.bucket, Key: key }),
    )
    proxy.setFault({
      kind: 'pad',
      method: 'PUT',
      path: /partNumber=2&/,
      offset: (n) => n / 2,
      occurrence: 'every',
    })
    const count = proxy.stats.faults.length
    const part = (n: number) =>
      viaProxy.send(
        new UploadPartCommand({
          Bucket: s3.bucket,
          Key: key,
          UploadId,
          PartNumber: n,
          Body: randomBytes(5 * MiB),
        }),
      )
    await part(1)
    await expect(part(2)).rejects.toThrow()
    await expect(part(2)).rejects.toThrow()
    proxy.setFault(undefined)
    expect(proxy.stats.faults.length - count).toBe(2)
    expect(proxy.stats.faults.at(-1)).toMatchObject({
      path: `/${s3.bucket}/${key}`,
      offset: (5 * MiB) / 2,
    })
    const { Parts } = await direct.send(
      new ListPartsCommand({ Bucket: s3.bucket, Key: key, UploadId }),
    )
    // The emulated store kept the padded part at full size: exactly what Uplink must not trust.
    expect(Parts?.map((p) => [p.PartNumber, p.Size])).toEqual([
      [1, 5 * MiB],
      [2, 5 * MiB],
    ])
    expect(lines.join('\n')).not.toMatch(/uploadId|X-Amz-|\?/)
    expect(lines.at(-1)).toMatch(
      /^fault-proxy: pad PUT \/\S+\/proxy\/multipart at body offset 2621440 of 5242880$/,
    )
  })

  it('applies a probability occurrence from a seeded RNG, the same way for the same seed', async () => {
    const { s3 } = testServices()
    const run = async () => {
      proxy.setFault({
        kind: 'flip',
        method: 'PUT',
        path: /\/proxy\/p-/,
        offset: 0,
        occurrence: 0.5,
        seed: 42,
      })
      const hit: boolean[] = []
      for (let i = 0; i < 8; i++) {
        const body = randomBytes(64)
        await viaProxy.send(
          new PutObjectCommand({ Bucket: s3.bucket, Key: `proxy/p-${i}`, Body: body }),
        )
        hit.push(!(await read(`proxy/p-${i}`)).equals(body))
      }
      proxy.setFault(undefined)
      return hit
    }
    const first = await run()
    expect(await run()).toEqual(first)
    expect(first).toContain(true)
    expect(first).toContain(false)
  })
})
