// presignPut's server CPU per call beside /healthz's, for a before/after judged on a shared
// machine: the server built from this checkout and a baseline bundle (another checkout's
// apps/server/dist, copied aside) on the same Postgres and S3, a fixed number of calls per leg,
// alternating, medians. CPU seconds per call (from /proc) hold up under load where req/s do not;
// /healthz's CPU ÷ presignPut's is what its req/s share tends to when the server is the bottleneck.
//   pnpm --filter @uplink/bench exec tsx src/presign-cpu.ts --baseline <dir>/main.js
//     [--rounds 3] [--calls 6000] [--connections 50] [--log-level info] [--cpu-prof]
//     [--targets healthz,presign1,presign50] [--together]
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
    /** Both servers loaded at once (each target), rather than one after the other. */
    together: { type: 'boolean' },
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
const together = values.together ?? false
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

/** Postgres's processes (backends and its background workers), from pg_stat_activity. */
async function postgresPids(): Promise<number[]> {
  const { rows } = await db.query<{ pid: number }>('select pid from pg_stat_activity')
  return rows.map((r) => r.pid)
}

/** CPU seconds of each process so far (one that has exited is left out). */
function cpuOf(pids: number[]): Map<number, number> {
  const seconds = new Map<number, number>()
  for (const pid of pids) {
    try {
      seconds.set(pid, cpuSeconds(pid))
    } catch {}
  }
  return seconds
}

/** CPU seconds the processes alive at both readings spent between them. */
function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0
  for (const [pid, s] of after) total += s - (before.get(pid) ?? s)
  return total
}

const db = new pg.Client({ connectionString: stack.databaseUrl })
// Without a listener, a connection Postgres ends (57P01 under load) throws on the event loop.
db.on('error', (err) => console.error(`presign-cpu: database connection ended: ${err.message}`))
await db.connect()
try {
  const names = values.targets.split(',') as TargetName[]
  const targets = {
    before: await latencyTargets(baseStack, names),
    after: await latencyTargets(stack, names),
  }
  /**
   * One side's leg of one target: an unrecorded quarter first (JIT and pools warm), then
   * `calls` calls; the server's CPU per call, and (when it runs alone) the load generator's and
   * Postgres's.
   */
  async function leg(side: Side, index: number, alone: boolean): Promise<number> {
    const target = targets[side][index]!
    const pid = servers[side].serverPid
    await callsOf(servers[side], target, { connections, amount: Math.ceil(calls / 4) })
    const cpu = cpuSeconds(pid)
    const backends = alone ? await postgresPids() : []
    const pgCpu = cpuOf(backends)
    const since = (await db.query<{ now: Date }>('select now()')).rows[0]!.now
    const client = process.cpuUsage()
    const run = await callsOf(servers[side], target, { connections, amount: calls })
    const clientUsage = process.cpuUsage(client)
    const ms = ((cpuSeconds(pid) - cpu) * 1000) / calls
    if (alone) {
      // The load generator and Postgres share the machine's cores with the server: on a
      // quiet 2-core machine what they spend per call also bounds the req/s.
      const clientMs = (clientUsage.user + clientUsage.system) / 1000 / calls
      add(`${target.name} client CPU ms/call`, side, clientMs)
      const pgMs = (cpuBetween(pgCpu, cpuOf(backends)) * 1000) / calls
      add(`${target.name} Postgres CPU ms/call`, side, pgMs)
      const inserts = await insertsSince(since)
      if (inserts.rows)
        add(`${target.name} rows per INSERT`, side, inserts.rows / inserts.statements)
    }
    add(`${target.name} server CPU ms/call`, side, ms)
    add(`${target.name} req/s`, side, run.requestsPerSecond)
    if (run.errors) add(`${target.name} errors`, side, run.errors)
    return ms
  }

  for (let r = 1; r <= rounds; r++) {
    noteLoad()
    const perCall: Record<Side, number[]> = { before: [], after: [] }
    const count = targets.after.length
    if (together) {
      // Both servers under load at once, target by target: whatever else the machine runs
      // meanwhile weighs on both alike.
      for (let i = 0; i < count; i++) {
        const [before, after] = await Promise.all([leg('before', i, false), leg('after', i, false)])
        perCall.before.push(before)
        perCall.after.push(after)
      }
    } else {
      // Alternate which server goes first, so drift on a shared machine hits both alike.
      const order: Side[] = r % 2 ? ['before', 'after'] : ['after', 'before']
      for (const side of order) {
        for (let i = 0; i < count; i++) perCall[side].push(await leg(side, i, true))
      }
    }
    for (let i = 0; i < count; i++) {
      const name = targets.after[i]!.name
      figures[`${name}: after ÷ before server CPU`] ??= { before: [], after: [] }
      figures[`${name}: after ÷ before server CPU`]!.after.push(
        perCall.after[i]! / perCall.before[i]!,
      )
    }
    for (const side of ['before', 'after'] as Side[]) {
      const [healthz, ...presigns] = targets[side]
      if (healthz?.path !== '/healthz') continue
      presigns.forEach((p, i) => {
        add(
          `${p.name}: /healthz CPU ÷ its CPU %`,
          side,
          (perCall[side][0]! / perCall[side][i + 1]!) * 100,
        )
      })
    }
    console.error(`presign-cpu: round ${r} done`)
  }
  noteLoad()
  const lines = ['| measure | before (median; rounds) | after (median; rounds) |', '|---|---|---|']
  for (const [name, f] of Object.entries(figures)) {
    const cell = (v: number[]) =>
      v.length ? `${round(median(v), 3)} (${v.map((x) => round(x, 3)).join(', ')})` : '—'
    lines.push(`| ${name} | ${cell(f.before)} | ${cell(f.after)} |`)
  }
  console.log(
    `\n${machine()}; ${calls} calls per leg, ${connections} connections, LOG_LEVEL=${logLevel}${together ? ', both servers at once' : ''}; load average (1/5/15 min) at each leg: ${loads.join('; ')}\n`,
  )
  console.log(lines.join('\n'))
} finally {
  await db.end()
  await base.server.stop()
  await stack.stop()
  rmSync(work, { recursive: true, force: true })
}
