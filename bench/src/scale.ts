import { randomBytes } from 'node:crypto'
import autocannon from 'autocannon'
import pg from 'pg'
import * as tus from 'tus-js-client'
import type { Row } from './report.ts'
import { peakSampler, rssBytes } from './sampler.ts'
import { type ScaleStack, startScaleStack } from './scale-stack.ts'
import { MiB, mbPerSecond, round } from './stats.ts'

export interface ScaleOptions {
  uploads: number
  sizeBytes: number
  poolSize: number
  logLevel: string
}

interface ScaleRun {
  target: string
  aggregateMBps: number
  peakPgConnections: number
  peakRssMiB: number[]
  presignPut: {
    requestsPerSecond: number
    p99: number
    errors: number
    statuses: Record<string, number>
  }
}

function tusUpload(url: string, token: string, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    new tus.Upload(data, {
      endpoint: `${url}/files`,
      chunkSize: data.length,
      headers: { Authorization: `Bearer ${token}` },
      metadata: { filename: 'bench.mp4', filetype: 'video/mp4', purpose: 'video' },
      retryDelays: [200, 500, 1000, 2000],
      onSuccess: () => resolve(),
      onError: reject,
    }).start()
  })
}

/** presignPut under load until stopped: 10 keep-alive connections, p99 from autocannon. */
function presignLoad(url: string, token: string) {
  let done: (r: autocannon.Result) => void = () => {}
  const result = new Promise<autocannon.Result>((r) => {
    done = r
  })
  const instance = autocannon(
    {
      url: `${url}/trpc/uploads.presignPut`,
      method: 'POST',
      connections: 10,
      duration: 3600,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        purpose: 'document',
        filename: 'a.pdf',
        contentType: 'application/pdf',
        size: 1000,
      }),
    },
    (_err, r) => done(r),
  )
  return {
    async stop() {
      instance.stop()
      const r = await result
      return {
        requestsPerSecond: r.requests.average,
        p99: r.latency.p99,
        errors: r.errors + r.timeouts + r.non2xx,
        statuses: Object.fromEntries(
          Object.entries(
            (r as unknown as { statusCodeStats?: Record<string, { count: number }> })
              .statusCodeStats ?? {},
          ).map(([code, { count }]) => [code, count]),
        ),
      }
    },
  }
}

async function run(stack: ScaleStack, target: string, url: string, o: ScaleOptions) {
  const watcher = new pg.Client({ connectionString: stack.databaseUrl })
  // Without a listener, a connection Postgres ends (57P01 under load) throws on the event loop.
  watcher.on('error', (err) => console.error(`scale: watcher connection ended: ${err.message}`))
  await watcher.connect()
  try {
    const pgPeak = peakSampler(async () => {
      const r = await watcher.query<{ n: number }>(
        'select count(*)::int as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
      )
      return r.rows[0]!.n
    })
    const rss = stack.instances.map((i) => peakSampler(() => rssBytes(i.pid)))
    const data = randomBytes(o.sizeBytes)
    const tokens = await Promise.all(
      Array.from({ length: 20 }, (_, i) => stack.token(`bench-scale-${i}`)),
    )
    const load = presignLoad(url, await stack.token('bench-presign'))
    const started = performance.now()
    await Promise.all(
      Array.from({ length: o.uploads }, (_, i) => tusUpload(url, tokens[i % 20]!, data)),
    )
    const ms = performance.now() - started
    const presignPut = await load.stop()
    return {
      target,
      aggregateMBps: mbPerSecond(o.uploads * o.sizeBytes, ms),
      peakPgConnections: await pgPeak.stop(),
      peakRssMiB: await Promise.all(rss.map(async (s) => round((await s.stop()) / MiB))),
      presignPut,
    } satisfies ScaleRun
  } finally {
    await watcher.end()
  }
}

/**
 * `--only scale`: N concurrent tus uploads (with presignPut load alongside) through one instance,
 * then through three behind HAProxy, on one Postgres and one versitygw.
 */
export async function runScale(o: ScaleOptions, say: (text: string) => void) {
  const stack = await startScaleStack({ logLevel: o.logLevel, poolSize: o.poolSize })
  try {
    const runs: ScaleRun[] = []
    runs.push(await run(stack, '1 instance', stack.instances[0]!.url, o))
    say(`scale 1 instance: ${round(runs[0]!.aggregateMBps)} MB/s`)
    runs.push(await run(stack, '3 instances behind HAProxy', stack.balancerUrl, o))
    say(`scale 3 instances: ${round(runs[1]!.aggregateMBps)} MB/s`)
    const rows: Row[] = runs.map((r) => ({
      measure: `${o.uploads} concurrent tus uploads of ${round(o.sizeBytes / MiB)} MiB, ${r.target}`,
      value: `${round(r.aggregateMBps)} MB/s aggregate; PG connections peak ${r.peakPgConnections} (pool ${o.poolSize}/instance); RSS peak ${r.peakRssMiB.join(' / ')} MiB; presignPut alongside ${round(r.presignPut.requestsPerSecond, 0)} req/s, p99 ${r.presignPut.p99} ms, ${r.presignPut.errors} errors (statuses ${JSON.stringify(r.presignPut.statuses)})`,
    }))
    return { rows, results: { ...o, runs } }
  } finally {
    await stack.stop()
  }
}
