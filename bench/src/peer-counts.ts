import { createReadStream, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { createUplinkClient } from '@uplink/client'
import type { RunningService, RunningTusd, S3Config } from '@uplink/launchers'
import { type S3Counts, startCountingProxy } from './counting-proxy.ts'
import { startPeerTusd, type TusSide, tusSides } from './peer.ts'
import { type PgCounts, startPgCounter } from './pg-counter.ts'
import { cpuSeconds } from './sampler.ts'
import { makeVideoFile, SMALL_DOCUMENT_METADATA, smallDocument } from './source-file.ts'
import { type Stack, startServer } from './stack.ts'
import { MiB, round } from './stats.ts'
import { tusUploadTo, type UploadSettings } from './uploaders.ts'

export interface CountOptions extends UploadSettings {
  /** Uploads counted per kind and side (after one uncounted warm-up). */
  uploads: number
  smallSize: number
  /** A tus upload of several parts, sent in one PATCH and in PATCHes of `chunkSize`. */
  largeSize: number
  chunkSize: number
  logLevel: string
}

/** The work one upload of a kind caused on one side, averaged over the counted uploads. */
export interface WorkCount {
  kind: string
  side: TusSide['name']
  uploads: number
  /** S3 requests per upload, by operation. */
  s3: S3Counts
  /** Postgres round trips per upload, by statement (tusd has no database). */
  pg: PgCounts
  /** What the requests that sent bytes carried for S3 to verify. */
  integrity: string[]
  /** The server's CPU milliseconds per upload (its worker off: no content checks). */
  cpuMs: number | undefined
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0)
const perUpload = (counts: Record<string, number>, n: number) =>
  Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v / n]))

/**
 * Counts the S3 requests and Postgres round trips of each upload kind. A second Uplink server
 * (its worker off: content checks are not the upload's cost) and a second tusd run beside the
 * stack's, each behind its own counting proxy in front of the same S3; Uplink's Postgres is
 * reached through a counting proxy too. Each kind runs once uncounted (connections, caches,
 * the previous kind's trailing work), then `uploads` times counted, one at a time.
 */
export async function countWork(
  stack: Stack,
  scratch: string,
  o: CountOptions,
  say: (text: string) => void,
): Promise<WorkCount[]> {
  const { endpoint, region, bucket, accessKeyId, secretAccessKey } = stack.s3
  const s3: S3Config = { endpoint, region, bucket, accessKeyId, secretAccessKey }
  const work = mkdtempSync(join(scratch, 'counts-'))
  const uplinkS3 = await startCountingProxy(s3.endpoint)
  const tusdS3 = await startCountingProxy(s3.endpoint)
  const pg = await startPgCounter(stack.databaseUrl)
  let server: RunningService | undefined
  let tusd: RunningTusd | undefined
  try {
    const started = await startServer({
      logLevel: o.logLevel,
      databaseUrl: pg.url,
      s3: { ...s3, endpoint: uplinkS3.endpoint },
      tusTempDir: join(work, 'tus-tmp'),
      ...(stack.tus ? { tus: stack.tus } : {}),
      env: { UPLINK_WORKER: 'false' },
    })
    server = started.server
    tusd = await startPeerTusd(stack, o, { ...s3, endpoint: tusdS3.endpoint })
    const counted = { ...stack, baseUrl: started.baseUrl, serverPid: started.server.child.pid! }
    const sides = await tusSides(counted, tusd)
    // Bytes of the declared type, so each content check takes its normal path (read back, hashed).
    const small = smallDocument(o.smallSize)
    const { path: large } = await makeVideoFile(work, o.largeSize)
    const smallName = `${round(o.smallSize / MiB, 2)} MiB`
    const largeName = `${round(o.largeSize / MiB)} MiB`
    const tus =
      (
        body: () => Buffer | ReturnType<typeof createReadStream>,
        size: number,
        chunkSize?: number,
        metadata?: Record<string, string>,
      ) =>
      (side: TusSide) =>
        tusUploadTo(side.endpoint, body(), size, {
          headers: side.headers,
          ...(chunkSize ? { chunkSize } : {}),
          ...(metadata ? { metadata } : {}),
        })
    const client = createUplinkClient({
      url: started.baseUrl,
      token: await stack.token('bench-peer-put'),
    })
    const kinds: { kind: string; sides: TusSide[]; run: (side: TusSide) => Promise<unknown> }[] = [
      {
        kind: `tus ${smallName}, one PATCH`,
        sides,
        run: tus(() => small, o.smallSize, undefined, SMALL_DOCUMENT_METADATA),
      },
      {
        kind: `tus ${largeName}, one PATCH`,
        sides,
        run: tus(() => createReadStream(large), o.largeSize),
      },
      {
        kind: `tus ${largeName}, ${round(o.chunkSize / MiB)} MiB PATCHes`,
        sides,
        run: tus(() => createReadStream(large), o.largeSize, o.chunkSize),
      },
      {
        kind: `presign → PUT → confirm, ${smallName}`,
        sides: sides.filter((s) => s.name === 'Uplink'),
        run: () =>
          client.uploadFile(small, {
            purpose: 'document',
            method: 'put',
            filename: 'bench.pdf',
            contentType: 'application/pdf',
          }),
      },
    ]
    const results: WorkCount[] = []
    for (const k of kinds) {
      for (const side of k.sides) {
        const proxy = side.name === 'Uplink' ? uplinkS3 : tusdS3
        await k.run(side)
        proxy.take()
        pg.take()
        const cpu = side.pid ? cpuSeconds(side.pid) : undefined
        for (let i = 0; i < o.uploads; i++) await k.run(side)
        const cpuMs =
          side.pid && cpu !== undefined
            ? ((cpuSeconds(side.pid) - cpu) * 1000) / o.uploads
            : undefined
        const integrity = proxy.integrity()
        const s3Counts = proxy.take()
        const pgCounts = side.name === 'Uplink' ? pg.take() : {}
        const count: WorkCount = {
          kind: k.kind,
          side: side.name,
          uploads: o.uploads,
          s3: perUpload(s3Counts, o.uploads),
          pg: perUpload(pgCounts, o.uploads),
          integrity,
          cpuMs,
        }
        results.push(count)
        say(
          `counts ${k.kind}, ${side.name}: ${round(sum(count.s3), 1)} S3 requests, ${round(sum(count.pg), 1)} PG round trips per upload`,
        )
      }
      await stack.emptyBucket()
    }
    return results
  } finally {
    await tusd?.stop()
    await server?.stop()
    await Promise.allSettled([uplinkS3.stop(), tusdS3.stop(), pg.stop()])
    rmSync(work, { recursive: true, force: true })
  }
}

/** S3 operations in the order an upload meets them; others follow by name. */
const OPERATION_ORDER = [
  'CreateMultipartUpload',
  'PutObject',
  'UploadPart',
  'CompleteMultipartUpload',
  'HeadObject',
  'GetObject',
  'ListParts',
  'DeleteObject',
  'DeleteObjects',
]

const figure = (v: number | undefined) => (v === undefined || v === 0 ? '' : String(round(v, 1)))

/**
 * The counts table: one row per upload kind and side, a column per S3 operation (`.info` and
 * `.part` objects apart), then the Postgres round trips; below it, Uplink's statements.
 */
export function countsTable(counts: WorkCount[]): string {
  const ops = [...new Set(counts.flatMap((c) => Object.keys(c.s3)))].sort((a, b) => {
    const rank = (op: string) => {
      const i = OPERATION_ORDER.indexOf(op.split(' ')[0]!)
      return i === -1 ? OPERATION_ORDER.length : i
    }
    return rank(a) - rank(b) || a.localeCompare(b)
  })
  const lines = [
    `| per upload | server | S3 requests | ${ops.join(' | ')} | PG round trips | server CPU | bytes carried |`,
    `|---|---|---|${ops.map(() => '---|').join('')}---|---|---|`,
  ]
  for (const c of counts) {
    const pg = c.side === 'tusd' ? '– (none)' : String(round(sum(c.pg), 1))
    lines.push(
      `| ${c.kind} | ${c.side} | ${round(sum(c.s3), 1)} | ${ops.map((op) => figure(c.s3[op])).join(' | ')} | ${pg} | ${c.cpuMs === undefined ? '–' : `${round(c.cpuMs, 0)} ms`} | ${c.integrity.join('; ') || '–'} |`,
    )
  }
  const statements = counts
    .filter((c) => c.side === 'Uplink')
    .map((c) => {
      const list = Object.entries(c.pg)
        .sort((a, b) => b[1] - a[1])
        .map(([label, n]) => `${round(n, 1)} × ${label}`)
        .join(', ')
      return `- ${c.kind}: ${list || 'none'}`
    })
  return `${lines.join('\n')}\n\nUplink's Postgres round trips per upload, by statement:\n${statements.join('\n')}`
}
