import { createHash, randomBytes, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { type IncomingMessage, request } from 'node:http'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Upload as S3Upload } from '@aws-sdk/lib-storage'
import pg from 'pg'
import type { Row } from './report.ts'
import { peakSampler, rssBytes } from './sampler.ts'
import type { Stack } from './stack.ts'
import { MiB, mbPerSecond, median, round } from './stats.ts'

export interface ContentOptions {
  size: number
  /** The consumer's pace in MB/s: slower than S3, so the server must hold back. */
  rateMBps: number
  /** Alternating rounds of direct / content / cdn at full speed. */
  rounds: number
}

/** The three ways to the same object's bytes, each read at full speed once per round. */
export const CONTENT_PATHS = ['direct', 'content', 'cdn'] as const
export type ContentPath = (typeof CONTENT_PATHS)[number]

const PATH_NAMES: Record<ContentPath, string> = {
  direct: 'direct presigned S3 GET (ceiling)',
  content: 'GET /documents/:id/content',
  cdn: 'GET /cdn/<key>',
}

/** One full read of the object by one path in one round. */
export interface ContentRun {
  path: ContentPath
  round: number
  mbps: number
  /** Server RSS peak during the read (undefined for the direct read, which skips the server). */
  peakRss: number | undefined
  /**
   * Server CPU (user + system) per GiB read, in seconds: steadier than MB/s on a loaded machine
   * (the direct read's is the server's idle cost).
   */
  cpuSecondsPerGiB: number
  sha256Match: boolean
}

export interface ContentResult {
  sizeBytes: number
  consumerMBps: number
  /** Server RSS before the first download and after the last one. */
  idleRss: number
  afterRss: number
  runs: ContentRun[]
  /** The slow reader on /content: the server must hold back rather than buffer. */
  slow: ContentRun
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
 * Reads one large object three ways in the same run, alternating, `rounds` times: a presigned
 * S3 GET (the URL GET /documents/:id/download redirects to), GET /documents/:id/content and
 * GET /cdn/<key> (gallery cookies), all with the same HTTP reader hashing at full speed; then
 * /content once more by a reader at `rateMBps`. The server's RSS is sampled throughout: memory
 * must stay flat whatever the size. The object is put straight into S3 as an `image` (so /cdn
 * serves it too) with its `uploaded` row; every body is compared with the source's SHA-256.
 */
export async function runContent(
  stack: Stack,
  options: ContentOptions,
  say: (text: string) => void,
): Promise<ContentResult> {
  const id = randomUUID()
  const key = `${OWNER}/image/${id}`
  say(`content: putting a ${options.size / MiB} MiB object into S3`)
  const src = source(options.size)
  await new S3Upload({
    client: stack.s3Client,
    params: { Bucket: stack.s3.bucket, Key: key, Body: src.stream, ContentType: 'image/png' },
    partSize: 64 * MiB,
    queueSize: 2,
  }).done()
  const sha256 = src.digest()
  const db = new pg.Client({ connectionString: stack.databaseUrl })
  // Without a listener, a connection Postgres ends (57P01 under load) throws on the event loop.
  db.on('error', (err) => console.error(`content: database connection ended: ${err.message}`))
  await db.connect()
  try {
    await db.query(
      `insert into documents (id, owner_id, purpose, object_key, filename, content_type,
         size_bytes, status, method, confirmed_at)
       values ($1, $2, 'image', $3, 'big.png', 'image/png', $4, 'uploaded', 'multipart', now())`,
      [id, OWNER, key, options.size],
    )
  } finally {
    await db.end()
  }

  const token = await stack.token(OWNER)
  const bearer = { authorization: `Bearer ${token}` }
  const cookie = await galleryCookies(stack.baseUrl, token)
  // Each read names its URL just before it starts (a signed URL is minted at the moment of use).
  const targets: Record<ContentPath, () => Promise<Target>> = {
    direct: async () => ({ url: await signedUrl(stack.baseUrl, id, token), headers: {} }),
    content: async () => ({ url: `${stack.baseUrl}/documents/${id}/content`, headers: bearer }),
    cdn: async () => ({ url: `${stack.baseUrl}/cdn/${key}`, headers: { cookie } }),
  }
  const read = async (path: ContentPath, roundNo: number, rateMBps: number) => {
    const target = await targets[path]()
    const rss = path === 'direct' ? undefined : peakSampler(() => rssBytes(stack.serverPid))
    const cpu = cpuSeconds(stack.serverPid)
    const started = performance.now()
    const got = await hashedGet(target, rateMBps)
    const mbps = mbPerSecond(got.bytes, performance.now() - started)
    const cpuSecondsPerGiB = (cpuSeconds(stack.serverPid) - cpu) / (got.bytes / 2 ** 30)
    const peakRss = await rss?.stop()
    const sha256Match = got.bytes === options.size && got.sha256 === sha256
    const run: ContentRun = { path, round: roundNo, mbps, peakRss, cpuSecondsPerGiB, sha256Match }
    say(
      `content round ${roundNo} ${PATH_NAMES[path]}: ${round(mbps)} MB/s, server CPU ${round(cpuSecondsPerGiB, 2)} s/GiB` +
        (peakRss ? `, peak RSS ${round(peakRss / MiB)} MiB` : '') +
        (sha256Match ? '' : ', SHA-256 DIFFERS'),
    )
    return run
  }

  const idleRss = rssBytes(stack.serverPid)
  const runs: ContentRun[] = []
  for (let r = 1; r <= options.rounds; r++) {
    // Rotate the order each round so drift on a shared machine hits every path alike.
    const shift = (r - 1) % CONTENT_PATHS.length
    const order = [...CONTENT_PATHS.slice(shift), ...CONTENT_PATHS.slice(0, shift)]
    for (const path of order) runs.push(await read(path, r, Infinity))
  }
  const slow = await read('content', 0, options.rateMBps)
  const afterRss = rssBytes(stack.serverPid)
  return { sizeBytes: options.size, consumerMBps: options.rateMBps, idleRss, afterRss, runs, slow }
}

interface Target {
  url: string
  headers: Record<string, string>
}

interface Received {
  bytes: number
  sha256: string
}

/** User + system CPU seconds of a process so far, from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** `documents.galleryAccess` over HTTP, as the web app calls it: the Cookie header to send. */
async function galleryCookies(baseUrl: string, token: string): Promise<string> {
  const res = await fetch(`${baseUrl}/trpc/documents.galleryAccess`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: '{}',
  })
  await res.body?.cancel()
  const cookies = res.headers.getSetCookie().map((line) => line.split(';')[0])
  if (res.status !== 200 || cookies.length === 0) {
    throw new Error(`documents.galleryAccess answered ${res.status} (is the CDN configured?)`)
  }
  return cookies.join('; ')
}

/** The signed S3 URL GET /documents/:id/download redirects to (a bearer token: never logged). */
async function signedUrl(baseUrl: string, id: string, token: string): Promise<string> {
  const stable = `${baseUrl}/documents/${id}/download`
  const res = await fetch(stable, {
    headers: { authorization: `Bearer ${token}` },
    redirect: 'manual',
  })
  await res.body?.cancel()
  const location = res.headers.get('location')
  if (res.status !== 302 || !location) throw new Error(`GET ${stable} answered ${res.status}`)
  return new URL(location, stable).href
}

/** GETs `target` and reads the body no faster than `rateMBps`, hashing it. */
async function hashedGet(target: Target, rateMBps: number): Promise<Received> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    request(target.url, { headers: target.headers }, resolve).on('error', reject).end()
  })
  if (res.statusCode !== 200) {
    res.resume()
    // The path only: a signed URL's query is a bearer token.
    throw new Error(`GET ${new URL(target.url).pathname} answered ${res.statusCode}`)
  }
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

/** The target for the streamed paths: ≥ 80 % of the direct GET's median in the same run. */
export const CONTENT_RATIO_TARGET = 0.8

/**
 * Memory flat: the peak stays under 256 MB (as the tus memory section) whatever the size (4 GiB
 * peaks where 256 MiB does), and the bytes are intact.
 */
export function contentPassed(p: ContentRun): boolean {
  return p.sha256Match && (p.peakRss === undefined || p.peakRss < 256e6)
}

/**
 * The section's table: per path the median MB/s of the rounds with its ratio to the direct
 * GET's median, every round's figure and ratio to that round's direct read, peak RSS; then the
 * slow reader and the server's idle RSS before and after.
 */
export function contentRows(c: ContentResult): { rows: Row[]; passed: boolean } {
  const rows: Row[] = []
  let passed = true
  const mb = `${c.sizeBytes / MiB} MiB`
  const of = (path: ContentPath) => c.runs.filter((r) => r.path === path)
  const direct = median(of('direct').map((r) => r.mbps))
  const directIn = (n: number) => of('direct').find((r) => r.round === n)!.mbps
  for (const path of CONTENT_PATHS) {
    const runs = of(path)
    const mid = median(runs.map((r) => r.mbps))
    const ratio = mid / direct
    const each = runs
      .map((r) =>
        path === 'direct'
          ? `${round(r.mbps)}`
          : `${round(r.mbps)} (${round((r.mbps / directIn(r.round)) * 100, 0)} %)`,
      )
      .join(', ')
    const cpu = median(runs.map((r) => r.cpuSecondsPerGiB))
    const peak = Math.max(...runs.map((r) => r.peakRss ?? 0))
    const intact = runs.every((r) => r.sha256Match)
    const ok = runs.every(contentPassed) && (path === 'direct' || ratio >= CONTENT_RATIO_TARGET)
    if (!ok) passed = false
    rows.push({
      measure: `content ${mb}: ${PATH_NAMES[path]}, median of ${runs.length}`,
      value:
        `${round(mid)} MB/s (${round(ratio * 100, 0)} %); rounds ${each}; server CPU ${round(cpu, 2)} s/GiB` +
        (peak ? `; server peak RSS ${round(peak / MiB)} MiB` : '') +
        `; SHA-256 ${intact ? 'match' : 'DIFFERS'}`,
      ...(path === 'direct'
        ? {}
        : { target: '≥ 80 % of direct, peak < 256 MB, bytes intact', pass: ok }),
    })
  }
  const slowOk = contentPassed(c.slow)
  if (!slowOk) passed = false
  rows.push({
    measure: `content ${mb}: /content, reader at ${c.consumerMBps} MB/s`,
    value: `${round(c.slow.mbps)} MB/s; server peak RSS ${round((c.slow.peakRss ?? 0) / MiB)} MiB; SHA-256 ${c.slow.sha256Match ? 'match' : 'DIFFERS'}`,
    target: 'peak < 256 MB, bytes intact',
    pass: slowOk,
  })
  rows.push({
    measure: `content ${mb}: server RSS idle before / after`,
    value: `${round(c.idleRss / MiB)} / ${round(c.afterRss / MiB)} MiB`,
  })
  return { rows, passed }
}
