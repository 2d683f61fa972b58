import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { request } from 'node:http'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { Upload as S3Upload } from '@aws-sdk/lib-storage'
import pg from 'pg'
import { peakSampler, rssBytes } from './sampler.ts'
import type { Stack } from './stack.ts'
import { MiB, mbPerSecond, round } from './stats.ts'

export interface ContentOptions {
  size: number
  /** The consumer's pace in MB/s: slower than S3, so the server must hold back. */
  rateMBps: number
}

/** One read of the whole object: who read it, how fast, and the server's memory meanwhile. */
export interface ContentPass {
  name: string
  mbps: number
  /** Server RSS peak during this pass (undefined for the direct S3 read). */
  peakRss: number | undefined
  sha256Match: boolean
}

export interface ContentResult {
  sizeBytes: number
  consumerMBps: number
  /** Server RSS before the first download. */
  idleRss: number
  passes: ContentPass[]
}

const OWNER = 'bench-content'

/** Bytes of `size` from a repeated random block, with their SHA-256, never held whole. */
function source(size: number) {
  const block = randomBytes(8 * MiB)
  const hash = createHash('sha256')
  async function* chunks() {
    for (let sent = 0; sent < size; sent += block.length) {
      const chunk = block.subarray(0, Math.min(block.length, size - sent))
      hash.update(chunk)
      yield chunk
    }
  }
  return { stream: Readable.from(chunks()), digest: () => hash.digest('base64') }
}

/**
 * Streams one large object through GET /documents/:id/content to a consumer reading at
 * `rateMBps`, sampling the server's RSS: memory must stay flat whatever the size. The object
 * is put straight into S3 and its `uploaded` row inserted (the upload paths have their own
 * sections); the body is hashed as it arrives and compared with the source.
 */
export async function runContent(
  stack: Stack,
  options: ContentOptions,
  say: (text: string) => void,
): Promise<ContentResult> {
  const id = randomUUID()
  const key = `${OWNER}/video/${id}`
  say(`content: putting a ${options.size / MiB} MiB object into S3`)
  const src = source(options.size)
  await new S3Upload({
    client: stack.s3Client,
    params: {
      Bucket: stack.s3.bucket,
      Key: key,
      Body: src.stream,
      ContentType: 'video/mp4',
    },
    partSize: 64 * MiB,
    queueSize: 2,
  }).done()
  const sha256 = src.digest()
  const db = new pg.Client({ connectionString: stack.databaseUrl })
  await db.connect()
  try {
    await db.query(
      `insert into documents (id, owner_id, purpose, object_key, filename, content_type,
         size_bytes, status, method, confirmed_at)
       values ($1, $2, 'video', $3, 'big.mp4', 'video/mp4', $4, 'uploaded', 'multipart', now())`,
      [id, OWNER, key, options.size],
    )
  } finally {
    await db.end()
  }

  const idleRss = rssBytes(stack.serverPid)
  const url = `${stack.baseUrl}/documents/${id}/content`
  const token = await stack.token(OWNER)
  const passes: ContentPass[] = []
  const run = async (name: string, read: () => Promise<Received>, sampled: boolean) => {
    say(`content: ${name}`)
    const rss = sampled ? peakSampler(() => rssBytes(stack.serverPid)) : undefined
    const started = performance.now()
    const got = await read()
    const mbps = mbPerSecond(got.bytes, performance.now() - started)
    const peakRss = await rss?.stop()
    const match = got.bytes === options.size && got.sha256 === sha256
    passes.push({ name, mbps, peakRss, sha256Match: match })
    say(
      `content: ${name}: ${round(mbps)} MB/s${peakRss ? `, peak RSS ${round(peakRss / MiB)} MiB` : ''}`,
    )
  }
  await run('direct S3 GET (ceiling)', () => s3Download(stack, key), false)
  await run(
    'through the route, reader at full speed',
    () => slowDownload(url, token, Infinity),
    true,
  )
  await run(
    `through the route, reader at ${options.rateMBps} MB/s`,
    () => slowDownload(url, token, options.rateMBps),
    true,
  )
  return { sizeBytes: options.size, consumerMBps: options.rateMBps, idleRss, passes }
}

interface Received {
  bytes: number
  sha256: string
}

/** The object straight from S3 with the SDK, hashed: what the route can at best reach. */
async function s3Download(stack: Stack, key: string): Promise<Received> {
  const res = await stack.s3Client.send(new GetObjectCommand({ Bucket: stack.s3.bucket, Key: key }))
  const hash = createHash('sha256')
  let bytes = 0
  for await (const chunk of res.Body as AsyncIterable<Buffer>) {
    hash.update(chunk)
    bytes += chunk.length
  }
  return { bytes, sha256: hash.digest('base64') }
}

/** GETs `url` and reads the body no faster than `rateMBps`, hashing it. */
async function slowDownload(url: string, token: string, rateMBps: number): Promise<Received> {
  const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    request(url, { headers: { authorization: `Bearer ${token}` } }, resolve)
      .on('error', reject)
      .end()
  })
  if (res.statusCode !== 200) throw new Error(`GET ${url} answered ${res.statusCode}`)
  const hash = createHash('sha256')
  let bytes = 0
  const started = performance.now()
  await pipeline(
    res,
    new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _enc, done) {
        hash.update(chunk)
        bytes += chunk.length
        // Ahead of the pace: wait until the clock catches up with the bytes taken.
        const dueMs = bytes / (rateMBps * 1000) - (performance.now() - started)
        // (rateMBps Infinity: dueMs is negative, no wait.)
        if (dueMs > 1) setTimeout(done, dueMs)
        else done()
      },
    }),
  )
  return { bytes, sha256: hash.digest('base64') }
}

/**
 * Memory flat: the peak stays under 256 MB (as the tus memory section) whatever the size (4 GiB
 * peaks where 256 MiB does, ~170–190 MiB), and the bytes are intact.
 */
export function contentPassed(p: ContentPass): boolean {
  return p.sha256Match && (p.peakRss === undefined || p.peakRss < 256e6)
}
