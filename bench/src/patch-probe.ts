// One large tus upload in one PATCH, side by side: this checkout's server, a baseline bundle
// (optional) and tusd on the same S3, alternating; per upload the server CPU seconds of the
// PATCH (until the client has its last answer) apart from the content check's (until the job
// queue drained), wall-clock MB/s and peak RSS.
//   pnpm --filter @uplink/bench exec tsx src/patch-probe.ts [--baseline <main.js>] [--size 256]
//     [--rounds 3] [--cpu-prof] [--node-args='<node flags of this checkout's server>']
import { createReadStream, mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { startPeerTusd, type TusSide } from './peer.ts'
import { cpuSeconds, peakSampler, rssBytes } from './sampler.ts'
import { makeSourceFile, makeVideoFile } from './source-file.ts'
import { startServer, startStack } from './stack.ts'
import { MiB, mbPerSecond, median, round } from './stats.ts'
import { tusUploadTo } from './uploaders.ts'

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    size: { type: 'string', default: '256' },
    'no-tusd': { type: 'boolean' },
    /** Upload an MP4 the content check accepts (it then reads every byte back), not random bytes. */
    video: { type: 'boolean' },
    /** NODE_OPTIONS of the baseline server only (e.g. the same bundle with a V8 flag). */
    'baseline-node-options': { type: 'string' },
    'cpu-prof': { type: 'boolean' },
    /** Extra node flags of this checkout's server (e.g. `--import <gc-watch.mjs>`). */
    'node-args': { type: 'string' },
  },
})
const rounds = Number(values.rounds)
const size = Number(values.size) * MiB
const say = (t: string) => console.error(`probe: ${t}`)
const loads: string[] = []
const noteLoad = () => loads.push(loadavg()[0]!.toFixed(1))

const profileDir = resolve('results/profiles')
const nodeArgs = [
  ...(values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
  ...(values['node-args']?.split(' ').filter(Boolean) ?? []),
]
const stack = await startStack({ logLevel: 'warn', nodeArgs })
const work = mkdtempSync(join(tmpdir(), 'uplink-probe-'))
// The baseline gets a database of its own on the same Postgres: a bundle refuses a database
// that another bundle has migrated further (its migrations would be "missing").
const baseDatabaseUrl = values.baseline ? await siblingDatabase(stack.databaseUrl) : undefined
const base = values.baseline
  ? await startServer({
      logLevel: 'warn',
      databaseUrl: baseDatabaseUrl ?? stack.databaseUrl,
      s3: stack.s3,
      tusTempDir: join(work, 'tus'),
      entry: resolve(values.baseline),
      ...(values['baseline-node-options']
        ? { env: { NODE_OPTIONS: values['baseline-node-options'] } }
        : {}),
    })
  : undefined
const tusd = values['no-tusd']
  ? undefined
  : await startPeerTusd(stack, { partSize: 16 * MiB, concurrency: 4 } as never)
const headers = { Authorization: `Bearer ${await stack.token('bench-probe')}` }
const sides: TusSide[] = [
  { name: 'Uplink', endpoint: `${stack.baseUrl}/files`, headers, pid: stack.serverPid },
  ...(base
    ? [
        {
          name: 'Uplink baseline' as const,
          endpoint: `${base.baseUrl}/files`,
          headers,
          pid: base.server.child.pid,
        },
      ]
    : []),
  ...(tusd
    ? [{ name: 'tusd' as const, endpoint: tusd.url, headers: {}, pid: tusd.child.pid }]
    : []),
]
const file = values.video
  ? (await makeVideoFile(work, size)).path
  : await makeSourceFile(work, size)
say(`sides: ${sides.map((s) => `${s.name} pid ${s.pid}`).join(', ')}`)
const checks = new pg.Client({ connectionString: stack.databaseUrl })
// Without a listener, a connection Postgres ends (57P01 under load) throws on the event loop.
checks.on('error', (err) => say(`checks connection ended: ${err.message}`))
await checks.connect()
const baseChecks = baseDatabaseUrl
  ? new pg.Client({ connectionString: baseDatabaseUrl })
  : undefined
baseChecks?.on('error', (err) => say(`baseline checks connection ended: ${err.message}`))
await baseChecks?.connect()
/** The database of a side's server (tusd has none: its queue is the main one's, empty). */
const dbOf = (side: TusSide) => (side.name === 'Uplink baseline' && baseChecks) || checks
const drained = async (db: pg.Client) => {
  for (;;) {
    const { rows } = await db.query<{ n: number }>(
      "select count(*)::int as n from jobs where status in ('queued', 'running')",
    )
    if (rows[0]?.n === 0) return
    await new Promise((r) => setTimeout(r, 50))
  }
}
const fig: Record<string, Record<string, number[]>> = {}
const add = (side: string, name: string, v: number) => {
  fig[side] ??= {}
  fig[side][name] ??= []
  fig[side][name].push(v)
}
// Warm-up: one upload per side, unrecorded.
for (const side of sides) {
  await tusUploadTo(side.endpoint, createReadStream(file), size, { headers: side.headers })
  await drained(dbOf(side))
  await stack.emptyBucket()
}
try {
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? sides : [...sides].reverse()
    for (const side of order) {
      noteLoad()
      const pid = side.pid!
      const rss = peakSampler(() => rssBytes(pid), 50)
      const cpu0 = cpuSeconds(pid)
      const t0 = performance.now()
      await tusUploadTo(side.endpoint, createReadStream(file), size, { headers: side.headers })
      const ms = performance.now() - t0
      const cpu1 = cpuSeconds(pid)
      await drained(dbOf(side))
      const cpu2 = cpuSeconds(pid)
      const peak = await rss.stop()
      const docs = await dbOf(side).query(
        'select status, sha256 is not null as hashed from documents order by created_at desc limit 1',
      )
      const jobs = await dbOf(side).query('select kind, status from jobs order by id desc limit 2')
      say(`last document ${JSON.stringify(docs.rows)}; jobs ${JSON.stringify(jobs.rows)}`)
      add(side.name, 'MB/s', mbPerSecond(size, ms))
      add(side.name, 'PATCH CPU ms', (cpu1 - cpu0) * 1000)
      add(side.name, 'check CPU ms', (cpu2 - cpu1) * 1000)
      add(side.name, 'total CPU ms', (cpu2 - cpu0) * 1000)
      add(side.name, 'peak RSS MiB', peak / MiB)
      say(
        `round ${r + 1} ${side.name}: ${round(mbPerSecond(size, ms))} MB/s, PATCH ${round(cpu1 - cpu0)} s, check ${round(cpu2 - cpu1)} s CPU, RSS ${round(peak / MiB)} MiB`,
      )
      await stack.emptyBucket()
    }
  }
  noteLoad()
  const names = Object.keys(fig[sides[0]!.name]!)
  console.log(
    `\n${round(size / MiB)} MiB one PATCH, ${rounds} rounds; load at each leg: ${loads.join(' ')}`,
  )
  console.log(`| measure | ${sides.map((s) => s.name).join(' | ')} |`)
  for (const n of names) {
    const cells = sides.map((s) => {
      const v = fig[s.name]![n]!
      return `${round(median(v))} (${v.map((x) => round(x)).join(', ')})`
    })
    console.log(`| ${n} | ${cells.join(' | ')} |`)
  }
  // Each round's figure over the first side's in the same round: drift on a shared machine
  // moves both alike.
  for (const n of names) {
    const first = fig[sides[0]!.name]![n]!
    const cells = sides.slice(1).map((s) => {
      const ratios = fig[s.name]![n]!.map((v, i) => v / (first[i] || Number.NaN))
      return `${round(median(ratios), 2)} (${ratios.map((x) => round(x, 2)).join(', ')})`
    })
    console.log(`| ${n}: side ÷ ${sides[0]!.name}, per round | ${cells.join(' | ')} |`)
  }
} finally {
  await checks.end()
  await baseChecks?.end()
  await base?.server.stop()
  await tusd?.stop()
  await stack.stop()
  rmSync(work, { recursive: true, force: true })
}

/** A new empty database beside `url`'s on the same Postgres; its URL. */
async function siblingDatabase(url: string): Promise<string> {
  const name = `probe_baseline_${process.pid}`
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  try {
    await admin.query(`create database ${name}`)
  } finally {
    await admin.end()
  }
  const sibling = new URL(url)
  sibling.pathname = `/${name}`
  return sibling.toString()
}
