import { randomBytes, randomUUID } from 'node:crypto'
import net from 'node:net'
import type { Readable } from 'node:stream'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { storageSettings, testServices, waitFor } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStorage, objectKey } from '../src/index.ts'
import { READ_BYTES } from '../src/read-buffers.ts'

// The streamed GET (object-get.ts) against real versitygw, through a loopback relay that counts
// what S3 has sent, so a test can wait until S3 has filled the socket buffers.
const { s3 } = testServices()
let sentByS3 = 0
const relay = net.createServer((client) => {
  const upstream = net.connect(Number(new URL(s3.endpoint).port), '127.0.0.1')
  upstream.on('data', (c: Buffer) => {
    sentByS3 += c.length
  })
  client.pipe(upstream).pipe(client)
  for (const s of [client, upstream]) s.on('error', () => s.destroy())
  client.on('close', () => upstream.destroy())
  upstream.on('close', () => client.destroy())
})
let storage: ReturnType<typeof createStorage>
const key = objectKey({ ownerId: 'alice', purpose: 'document', documentId: randomUUID() })
const body = randomBytes(16 * 1024 * 1024)
beforeAll(async () => {
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r))
  const port = (relay.address() as net.AddressInfo).port
  storage = createStorage({ ...storageSettings(s3), endpoint: `http://127.0.0.1:${port}` })
  await storage.client.send(new PutObjectCommand({ Bucket: storage.bucket, Key: key, Body: body }))
})
afterAll(async () => {
  storage.destroy()
  await new Promise((r) => relay.close(r))
})

/** Every chunk of a stream, kept as delivered (none copied or consumed). */
async function chunksOf(stream: Readable): Promise<Buffer[]> {
  const chunks: Buffer[] = []
  for await (const c of stream) chunks.push(c as Buffer)
  return chunks
}

describe('a streamed GET', () => {
  it('reads what S3 has queued in chunks larger than 64 KiB, each chunk its own bytes', async () => {
    const before = sentByS3
    const stream = (await storage.readStream(key))!
    // Not read yet: S3 fills the socket buffers behind the paused stream.
    await waitFor(async () => sentByS3 - before > 2 * 1024 * 1024, {
      what: 'S3 to send 2 MiB ahead of the reader',
      timeoutMs: 120_000,
    })
    const chunks = await chunksOf(stream)
    const sizes = chunks.map((c) => c.length)
    expect(Math.max(...sizes)).toBeGreaterThan(64 * 1024)
    expect(Math.max(...sizes)).toBeLessThanOrEqual(READ_BYTES)
    // Every chunk kept until the end: a read buffer reused under a kept chunk would show here.
    expect(Buffer.concat(chunks).equals(body)).toBe(true)
  })

  it('reads a range, then the whole object again on the kept-alive connection', async () => {
    const range = (await storage.readStream(key, { range: { start: 5, end: 1_000_004 } }))!
    expect(Buffer.concat(await chunksOf(range)).equals(body.subarray(5, 1_000_005))).toBe(true)
    const whole = (await storage.readStream(key))!
    expect(Buffer.concat(await chunksOf(whole)).equals(body)).toBe(true)
  })

  it('names S3’s error code and never the signed URL when S3 refuses the GET', async () => {
    const wrong = createStorage({
      ...storageSettings(s3),
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: 'not-the-secret' },
    })
    try {
      const err = (await wrong.readStream(key).catch((e: unknown) => e)) as Error & {
        $metadata: { httpStatusCode: number }
      }
      expect(err.name).toBe('SignatureDoesNotMatch')
      expect(err.$metadata.httpStatusCode).toBe(403)
      expect(`${err.message} ${err.stack}`).not.toMatch(/X-Amz-|Signature=|not-the-secret/)
    } finally {
      wrong.destroy()
    }
  })
})
