// A before/after run: the server built from this checkout and a baseline bundle (another
// checkout's apps/server/dist, copied aside) on the same Postgres and S3, measured alternately in
// one run, so a change is judged by ratios taken side by side on a shared machine.
//   pnpm --filter @uplink/bench exec tsx src/ab.ts --baseline <dir>/main.js [--rounds 3]
//     [--only latency,content] [--duration 10] [--connections 50] [--content-size 512]
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { CONTENT_PATHS, runContent } from './content.ts'
import { measureLatency } from './latency.ts'
import { machine } from './report.ts'
import { type Stack, startServer, startStack } from './stack.ts'
import { MiB, median, round } from './stats.ts'

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    only: { type: 'string', default: 'latency,content' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    'content-size': { type: 'string', default: '512' },
    'cpu-prof': { type: 'boolean' },
  },
})
if (!values.baseline)
  throw new Error('--baseline <path to the baseline bundle main.js> is required')
const rounds = Number(values.rounds)
const sections = new Set(values.only.split(','))
const load = { connections: Number(values.connections), durationSeconds: Number(values.duration) }
const say = (text: string) => console.error(`ab: ${text}`)
const loads: string[] = []
const noteLoad = () =>
  loads.push(
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' '),
  )

const profileDir = resolve('results/profiles')
const stack = await startStack({
  logLevel: 'warn',
  ...(values['cpu-prof'] ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {}),
})
const work = mkdtempSync(join(tmpdir(), 'uplink-ab-'))
const base = await startServer({
  logLevel: 'warn',
  databaseUrl: stack.databaseUrl,
  s3: stack.s3,
  tusTempDir: join(work, 'tus'),
  entry: resolve(values.baseline),
})
const baseStack: Stack = { ...stack, baseUrl: base.baseUrl, serverPid: base.server.child.pid! }
const servers = { before: baseStack, after: stack }
type Side = keyof typeof servers

const figures: Record<string, Record<Side, number[]>> = {}
const add = (name: string, side: Side, value: number) => {
  figures[name] ??= { before: [], after: [] }
  figures[name][side].push(value)
}

try {
  for (let r = 1; r <= rounds; r++) {
    // Alternate which server goes first, so drift on a shared machine hits both alike.
    const order: Side[] = r % 2 ? ['before', 'after'] : ['after', 'before']
    for (const side of order) {
      noteLoad()
      if (sections.has('latency')) {
        const results = await measureLatency(servers[side], load)
        const floor = results[0]!.requestsPerSecond
        for (const l of results) {
          add(`${l.name} req/s`, side, l.requestsPerSecond)
          add(`${l.name} p50 ms`, side, l.p50)
          if (l.errors) add(`${l.name} errors`, side, l.errors)
          if (l !== results[0])
            add(`${l.name} / healthz %`, side, (l.requestsPerSecond / floor) * 100)
        }
      }
      if (sections.has('content')) {
        const c = await runContent(
          servers[side],
          { size: Number(values['content-size']) * MiB, rateMBps: 40, rounds: 1 },
          say,
        )
        await stack.emptyBucket()
        const direct = c.runs.find((x) => x.path === 'direct')!.mbps
        for (const run of c.runs) {
          add(`${run.path} MB/s`, side, run.mbps)
          add(`${run.path} server CPU s/GiB`, side, run.cpuSecondsPerGiB)
          if (run.path !== 'direct') add(`${run.path} / direct %`, side, (run.mbps / direct) * 100)
          if (!run.sha256Match) add(`${run.path} SHA-256 DIFFERS`, side, 1)
          if (run.peakRss) add(`${run.path} peak RSS MiB`, side, run.peakRss / MiB)
        }
        add('slow /content peak RSS MiB', side, (c.slow.peakRss ?? 0) / MiB)
        add('slow /content MB/s', side, c.slow.mbps)
        say(`round ${r} ${side}: ${CONTENT_PATHS.map((p) => p).join('/')} done`)
      }
    }
  }
  noteLoad()
  const lines = ['| measure | before (median; rounds) | after (median; rounds) |', '|---|---|---|']
  for (const [name, f] of Object.entries(figures)) {
    const cell = (v: number[]) =>
      v.length ? `${round(median(v))} (${v.map((x) => round(x)).join(', ')})` : '—'
    lines.push(`| ${name} | ${cell(f.before)} | ${cell(f.after)} |`)
  }
  console.log(`\n${machine()}; load average (1/5/15 min) at each leg: ${loads.join('; ')}\n`)
  console.log(lines.join('\n'))
} finally {
  await base.server.stop()
  await stack.stop()
  rmSync(work, { recursive: true, force: true })
}
