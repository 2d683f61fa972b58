/**
 * What browser-side integrity costs a large tus upload, in Chromium:
 *
 *   node --import tsx apps/web/bench/integrity-cost.ts --baseline <checkout> [--mib 1536] [--rounds 3]
 *
 * `--baseline` is a checkout of the same repo without browser hashing (its web app built), run
 * side by side with this one: same Postgres, S3, Chromium and file, order alternating each round.
 * Per upload: wall time from "Upload" to the last PATCH's answer, the time before the upload was
 * created (the whole-file SHA-256), main-thread long tasks (PerformanceObserver `longtask`), and
 * CPU seconds of Chromium's processes and of the server. Prints one row per run and the medians.
 */

import { randomBytes } from 'node:crypto'
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3'
import {
  createDatabase,
  freePort,
  launchChromium,
  s3Client,
  spawnService,
  startPostgres,
  startVersitygw,
} from '@uplink/testing'
import type { Browser } from 'playwright-core'
import { chooseFiles, signIn } from '../e2e/support/browser.ts'

const here = dirname(fileURLToPath(import.meta.url))
const { values } = parseArgs({
  options: {
    baseline: { type: 'string' },
    mib: { type: 'string', default: '1536' },
    rounds: { type: 'string', default: '3' },
  },
})
if (!values.baseline) throw new Error('--baseline <checkout without browser hashing> is required')
const variants = { hashing: resolve(here, '../../..'), baseline: resolve(values.baseline) }
const MiB = 1024 * 1024
const size = Number(values.mib) * MiB
const tsxLoader = pathToFileURL(
  join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs'),
).href

/** utime + stime of `pid` and every descendant, in seconds (Linux /proc). */
function treeCpuSeconds(root: number): number {
  const stats = new Map<number, { ppid: number; ticks: number }>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8')
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ')
      stats.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) })
    } catch {
      // gone meanwhile
    }
  }
  let ticks = 0
  const walk = (pid: number) => {
    ticks += stats.get(pid)?.ticks ?? 0
    for (const [child, s] of stats) if (s.ppid === pid) walk(child)
  }
  walk(root)
  return ticks / 100
}

/** The Chromium browser process: the child of this process whose command is chromium. */
function chromiumPid(): number {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const text = readFileSync(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1])
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8')
      if (ppid === process.pid && cmd.includes('chromium')) return Number(name)
    } catch {
      // gone meanwhile
    }
  }
  throw new Error('no chromium child process')
}

async function writeFile(path: string): Promise<void> {
  const ftyp = Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex')
  const out = createWriteStream(path)
  const block = randomBytes(64 * MiB)
  out.write(ftyp)
  for (let left = size - ftyp.length; left > 0; left -= block.length) {
    if (!out.write(block.subarray(0, Math.min(left, block.length)))) {
      await new Promise<void>((r) => out.once('drain', () => r()))
    }
  }
  await new Promise<void>((r) => out.end(r))
}

interface Run {
  variant: keyof typeof variants
  seconds: number
  beforeCreate: number
  longTasks: number
  longTaskMs: number
  maxLongTaskMs: number
  browserCpu: number
  serverCpu: number
}

async function uploadOnce(
  browser: Browser,
  variant: keyof typeof variants,
  file: string,
  services: { pg: string; s3: Awaited<ReturnType<typeof startVersitygw>> },
): Promise<Run> {
  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const { s3 } = services
  const server = await spawnService({
    name: `the ${variant} server`,
    command: process.execPath,
    args: ['--import', tsxLoader, join(variants[variant], 'apps/server/src/dev.ts')],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATABASE_URL: await createDatabase(services.pg, `bench_${randomBytes(6).toString('hex')}`),
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_BUCKET: s3.bucket,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      UPLINK_JWT_SECRET: 'bench-secret-that-is-at-least-32-characters-long',
      UPLINK_WEB_ORIGINS: baseUrl,
      UPLINK_WORKER: 'false',
    },
    ready: async () => (await fetch(`${baseUrl}/healthz`)).ok,
    timeoutMs: 180_000,
  })
  const context = await browser.newContext()
  try {
    await context.addInitScript(() => {
      const w = window as unknown as { longTasks: [number, number][] }
      w.longTasks = []
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.longTasks.push([e.startTime, e.duration])
      }).observe({ type: 'longtask', buffered: true })
    })
    const page = await context.newPage()
    await signIn(page, baseUrl, 'bench')
    await chooseFiles(page, [file])
    let createdAt = 0
    page.on('request', (req) => {
      if (req.method() === 'POST' && new URL(req.url()).pathname === '/files')
        createdAt = Date.now()
    })
    const lastPatch = page.waitForResponse(
      (res) =>
        res.request().method() === 'PATCH' && Number(res.headers()['upload-offset']) === size,
      { timeout: 1_800_000 },
    )
    const cpu0 = [treeCpuSeconds(chromiumPid()), treeCpuSeconds(server.child.pid ?? 0)]
    const pageStart = await page.evaluate(() => performance.now())
    const start = Date.now()
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    await lastPatch
    const end = Date.now()
    const cpu1 = [treeCpuSeconds(chromiumPid()), treeCpuSeconds(server.child.pid ?? 0)]
    const tasks = (
      await page.evaluate(() => (window as unknown as { longTasks: [number, number][] }).longTasks)
    ).filter(([at]) => at >= pageStart)
    return {
      variant,
      seconds: (end - start) / 1000,
      beforeCreate: (createdAt - start) / 1000,
      longTasks: tasks.length,
      longTaskMs: tasks.reduce((n, [, d]) => n + d, 0),
      maxLongTaskMs: Math.max(0, ...tasks.map(([, d]) => d)),
      browserCpu: (cpu1[0] ?? 0) - (cpu0[0] ?? 0),
      serverCpu: (cpu1[1] ?? 0) - (cpu0[1] ?? 0),
    }
  } finally {
    await context.close()
    await server.stop()
    await emptyBucket(s3)
  }
}

/** Each run leaves a 1.5 GiB object: delete it so the runs do not fill the disk. */
async function emptyBucket(config: Awaited<ReturnType<typeof startVersitygw>>): Promise<void> {
  const s3 = s3Client(config)
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: config.bucket }))
  for (const { Key } of listed.Contents ?? []) {
    await s3.send(new DeleteObjectCommand({ Bucket: config.bucket, Key }))
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2
    ? (s[(s.length - 1) / 2] ?? 0)
    : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2
}
const row = (r: Omit<Run, 'variant'> & { variant: string }) =>
  [
    r.variant.padEnd(16),
    r.seconds.toFixed(1).padStart(7),
    r.beforeCreate.toFixed(1).padStart(7),
    String(Math.round(r.longTasks)).padStart(6),
    r.longTaskMs.toFixed(0).padStart(8),
    r.maxLongTaskMs.toFixed(0).padStart(7),
    r.browserCpu.toFixed(1).padStart(8),
    r.serverCpu.toFixed(1).padStart(8),
  ].join(' ')

const dir = mkdtempSync(join(tmpdir(), 'uplink-integrity-bench-'))
const file = join(dir, 'big.mp4')
const [pg, s3] = await Promise.all([startPostgres(), startVersitygw()])
const browser = await launchChromium()
try {
  await writeFile(file)
  console.log(
    `${values.mib} MiB, ${values.rounds} rounds, load: ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
  )
  console.log('variant            wall s  pre s  tasks  task ms  max ms  chr cpu  srv cpu')
  const runs: Run[] = []
  for (let round = 0; round < Number(values.rounds); round++) {
    const order: (keyof typeof variants)[] =
      round % 2 ? ['baseline', 'hashing'] : ['hashing', 'baseline']
    for (const variant of order) {
      const run = await uploadOnce(browser, variant, file, { pg: pg.url, s3 })
      runs.push(run)
      console.log(row(run))
    }
  }
  const med = (variant: keyof typeof variants) => {
    const mine = runs.filter((r) => r.variant === variant)
    const m = (k: keyof Omit<Run, 'variant'>) => median(mine.map((r) => r[k]))
    return {
      variant: `median ${variant}`,
      seconds: m('seconds'),
      beforeCreate: m('beforeCreate'),
      longTasks: m('longTasks'),
      longTaskMs: m('longTaskMs'),
      maxLongTaskMs: m('maxLongTaskMs'),
      browserCpu: m('browserCpu'),
      serverCpu: m('serverCpu'),
    }
  }
  const [hashing, baseline] = [med('hashing'), med('baseline')]
  console.log(row(hashing))
  console.log(row(baseline))
  console.log(
    `hashing / baseline: wall ${(hashing.seconds / baseline.seconds).toFixed(2)}, ` +
      `browser CPU ${(hashing.browserCpu / baseline.browserCpu).toFixed(2)}, ` +
      `server CPU ${(hashing.serverCpu / baseline.serverCpu).toFixed(2)}; ` +
      `load: ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
  )
} finally {
  await browser.close()
  await Promise.allSettled([pg.stop(), s3.stop()])
  rmSync(dir, { recursive: true, force: true })
}
