// presignPut's server CPU per call beside /healthz's, for a before/after judged on a shared
// machine: the server built from this checkout and a baseline bundle (another checkout's
// apps/server/dist, copied aside) on the same Postgres and S3, a fixed number of calls per leg,
// alternating, medians. CPU seconds per call (from /proc) hold up under load where req/s do not;
// /healthz's CPU ÷ presignPut's is what its req/s share tends to when the server is the bottleneck.
//   pnpm --filter @uplink/bench exec tsx src/presign-cpu.ts --baseline <dir>/main.js
//     [--rounds 3] [--calls 6000] [--connections 50] [--log-level info] [--cpu-prof]
//     [--targets healthz,presign1,presign50]
import { mkdtempSync, rmSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { callsOf, latencyTargets, type TargetName } from './latency.ts'
import { machine } from './report.ts'
import { cpuSeconds } from './sampler.ts'
import { type Stack, startServer, startStack } from './stack.ts'
import { median, round } from './stats.ts'

const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    calls: { type: 'string', default: '6000' },
    connections: { type: 'string', default: '50' },
    'log-level': { type: 'string', default: 'info' },
    'cpu-prof': { type: 'boolean' },
    /** Which of healthz, presign1, presign50 to run (a profile of one alone). */
    targets: { type: 'string', default: 'healthz,presign1,presign50' },
  },
})
if (!values.baseline)
  throw new Error('--baseline <path to the baseline bundle main.js> is required')
const rounds = Number(values.rounds)
const calls = Number(values.calls)
const connections = Number(values.connections)
const logLevel = values['log-level']
const loads: string[] = []
const noteLoad = () =>
  loads.push(
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' '),
  )

const profileDir = resolve('results/profiles')
const stack = await startStack({
  logLevel,
  ...(values['cpu-prof'] ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] } : {}),
})
const work = mkdtempSync(join(tmpdir(), 'uplink-presign-cpu-'))
const base = await startServer({
  logLevel,
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

/**
 * Rows and INSERT statements of the documents created since `since` (each statement is its own
 * transaction, so its rows share one xmin): how well concurrent starts share their INSERT.
 */
async function insertsSince(since: Date): Promise<{ rows: number; statements: number }> {
  const { rows } = await db.query<{ rows: string; statements: string }>(
    'select count(*) as rows, count(distinct xmin::text) as statements from documents where created_at >= $1',
    [since],
  )
  return { rows: Number(rows[0]!.rows), statements: Number(rows[0]!.statements) }
}

const db = new pg.Client({ connectionString: stack.databaseUrl })
await db.connect()
try {
  const names = values.targets.split(',') as TargetName[]
  const targets = {
    before: await latencyTargets(baseStack, names),
    after: await latencyTargets(stack, names),
  }
  for (let r = 1; r <= rounds; r++) {
    // Alternate which server goes first, so drift on a shared machine hits both alike.
    const order: Side[] = r % 2 ? ['before', 'after'] : ['after', 'before']
    for (const side of order) {
      noteLoad()
      const pid = servers[side].serverPid
      const perCall: Record<string, number> = {}
      for (const target of targets[side]) {
        // An unrecorded quarter first: JIT and pools warm.
        await callsOf(servers[side], target, { connections, amount: Math.ceil(calls / 4) })
        const cpu = cpuSeconds(pid)
        const since = (await db.query<{ now: Date }>('select now()')).rows[0]!.now
        const run = await callsOf(servers[side], target, { connections, amount: calls })
        const ms = ((cpuSeconds(pid) - cpu) * 1000) / calls
        const inserts = await insertsSince(since)
        if (inserts.rows)
          add(`${target.name} rows per INSERT`, side, inserts.rows / inserts.statements)
        perCall[target.name] = ms
        add(`${target.name} server CPU ms/call`, side, ms)
        add(`${target.name} req/s`, side, run.requestsPerSecond)
        if (run.errors) add(`${target.name} errors`, side, run.errors)
      }
      const [healthz, ...presigns] = targets[side]
      for (const p of healthz?.path === '/healthz' ? presigns : []) {
        add(
          `${p.name}: /healthz CPU ÷ its CPU %`,
          side,
          (perCall[healthz!.name]! / perCall[p.name]!) * 100,
        )
      }
      console.error(`presign-cpu: round ${r} ${side} done`)
    }
  }
  noteLoad()
  const lines = ['| measure | before (median; rounds) | after (median; rounds) |', '|---|---|---|']
  for (const [name, f] of Object.entries(figures)) {
    const cell = (v: number[]) =>
      v.length ? `${round(median(v), 3)} (${v.map((x) => round(x, 3)).join(', ')})` : '—'
    lines.push(`| ${name} | ${cell(f.before)} | ${cell(f.after)} |`)
  }
  console.log(
    `\n${machine()}; ${calls} calls per leg, ${connections} connections, LOG_LEVEL=${logLevel}; load average (1/5/15 min) at each leg: ${loads.join('; ')}\n`,
  )
  console.log(lines.join('\n'))
} finally {
  await db.end()
  await base.server.stop()
  await stack.stop()
  rmSync(work, { recursive: true, force: true })
}
