/**
 * What browser-side integrity costs a large tus upload, in Chromium:
 *
 *   pnpm --filter @uplink/web bench:integrity [--size 1536] [--rounds 3] [--before <checkout>]
 *
 * The same code built twice: as shipped (a CRC32 per PATCH and the whole file's SHA-256, hashed
 * in a worker while the file uploads, the latter declared by the last PATCH's Repr-Digest) and with
 * `VITE_UPLINK_BROWSER_HASH=off` (no hashing at all), run side by side on the
 * same server, Postgres, S3, Chromium and file, hashing on and off alternating each round.
 * Per upload: wall time from "Upload" to the last PATCH's answer and the MB/s it makes, the time
 * before the upload was created (the whole-file SHA-256 until issue #26; now ~0), main-thread long tasks
 * (PerformanceObserver `longtask`), and CPU seconds of Chromium's processes and of the server,
 * the load-proof figures. Prints one row per run, the medians and the ratios on / off.
 * `--before <checkout>` adds a third variant in the same rounds: another checkout's server and
 * built web app (`apps/web/dist`, e.g. main before a change) on the same Postgres, S3, Chromium
 * and file, to compare two ways of hashing under the same load.
 */

import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { defaultPolicies } from '@uplink/core'
import { launchChromium, type RunningS3, startPostgres, startVersitygw } from '@uplink/testing'
import type { Browser } from 'playwright-core'
import { chooseFiles, signIn } from '../e2e/support/browser.ts'
import buildWeb from '../e2e/support/build-web.ts'
import { emptyBucket, startBenchServer } from './support/bench-server.ts'
import { childPid, treeCpuSeconds } from './support/proc-cpu.ts'
import { loadAverage, mbPerSecond, median, parseSize, writeVideoFile } from './support/stats.ts'
import { buildVariant, servePageFrom } from './support/variant-build.ts'

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1536' },
    // The earlier name of --size (MiB).
    mib: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    before: { type: 'string' },
  },
})
const size = parseSize(values.mib ?? values.size)
const rounds = Number(values.rounds)
if (!(rounds >= 1)) throw new Error('--rounds must be at least 1')
type Variant = 'hash on' | 'hash off' | 'before'
const variants: Variant[] = values.before
  ? ['hash on', 'hash off', 'before']
  : ['hash on', 'hash off']

/** This bench measures the tus path's hashing: videos go by presigned multipart where allowed. */
const TUS_VIDEOS = {
  UPLINK_POLICIES: JSON.stringify({
    ...defaultPolicies,
    video: { ...defaultPolicies.video, methods: ['tus'] },
  }),
}

interface Run {
  variant: Variant
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
  variant: Variant,
  file: string,
  services: { pg: string; s3: RunningS3; noHashDist: string; before: string | undefined },
): Promise<Run> {
  const { s3 } = services
  const server = await startBenchServer(services.pg, s3, {
    ...(variant === 'before' && services.before ? { checkout: services.before } : {}),
    env: TUS_VIDEOS,
  })
  const context = await browser.newContext()
  try {
    const stopServing =
      variant === 'hash off'
        ? await servePageFrom(context, server.baseUrl, services.noHashDist)
        : async () => {}
    await context.addInitScript(() => {
      const w = window as unknown as { longTasks: [number, number][] }
      w.longTasks = []
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) w.longTasks.push([e.startTime, e.duration])
      }).observe({ type: 'longtask', buffered: true })
    })
    const page = await context.newPage()
    await signIn(page, server.baseUrl, 'bench')
    await chooseFiles(page, [file])
    // The page and its uploader are loaded: the upload's requests go untouched.
    await stopServing()
    let createdAt = 0
    // Whether the PATCHes carried Upload-Checksum, and the last one Repr-Digest: proof the
    // variant is the one measured.
    const checksummed = new Set<boolean>()
    let declared = false
    page.on('request', (req) => {
      if (req.method() === 'POST' && new URL(req.url()).pathname === '/files')
        createdAt = Date.now()
      if (req.method() !== 'PATCH') return
      checksummed.add(req.headers()['upload-checksum'] !== undefined)
      if (req.headers()['repr-digest'] !== undefined) declared = true
    })
    const lastPatch = page.waitForResponse(
      (res) =>
        res.request().method() === 'PATCH' && Number(res.headers()['upload-offset']) === size,
      { timeout: 3_600_000 },
    )
    const chromium = childPid('chromium')
    const serverPid = server.service.child.pid ?? 0
    const cpu0 = [treeCpuSeconds(chromium), treeCpuSeconds(serverPid)]
    const pageStart = await page.evaluate(() => performance.now())
    const start = Date.now()
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    await lastPatch
    const end = Date.now()
    const cpu1 = [treeCpuSeconds(chromium), treeCpuSeconds(serverPid)]
    if (checksummed.size !== 1 || checksummed.has(variant === 'hash off')) {
      throw new Error(`${variant}: PATCHes with Upload-Checksum: ${[...checksummed]}`)
    }
    if (variant !== 'before' && declared !== (variant === 'hash on')) {
      throw new Error(`${variant}: a PATCH with Repr-Digest: ${declared}`)
    }
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

const row = (r: Omit<Run, 'variant'> & { variant: string }) =>
  [
    r.variant.padEnd(16),
    r.seconds.toFixed(1).padStart(7),
    mbPerSecond(size, r.seconds).toFixed(1).padStart(6),
    r.beforeCreate.toFixed(1).padStart(6),
    String(Math.round(r.longTasks)).padStart(6),
    r.longTaskMs.toFixed(0).padStart(8),
    r.maxLongTaskMs.toFixed(0).padStart(7),
    r.browserCpu.toFixed(1).padStart(8),
    r.serverCpu.toFixed(1).padStart(8),
  ].join(' ')

await buildWeb()
if (values.before && !existsSync(join(values.before, 'apps/web/dist/index.html'))) {
  throw new Error(
    `--before: build its web app first (pnpm --filter @uplink/web build in ${values.before})`,
  )
}
const dir = mkdtempSync(join(tmpdir(), 'uplink-integrity-bench-'))
const file = join(dir, 'big.mp4')
const noHashDist = join(dir, 'dist-no-hash')
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
await buildVariant(noHashDist, { VITE_UPLINK_BROWSER_HASH: 'off' })
const [pg, s3] = await Promise.all([startPostgres(), startVersitygw()])
const browser = await launchChromium()
try {
  await writeVideoFile(file, size)
  console.log(`${size / 1024 / 1024} MiB, ${rounds} rounds, load: ${loadAverage()}`)
  console.log('variant            wall s   MB/s  pre s  tasks  task ms  max ms  chr cpu  srv cpu')
  const runs: Run[] = []
  for (let round = 0; round < rounds; round++) {
    // Each round starts with the next variant: none is always first (or last).
    const order = variants.map((_, i) => variants[(i + round) % variants.length] as Variant)
    for (const variant of order) {
      const run = await uploadOnce(browser, variant, file, {
        pg: pg.url,
        s3,
        noHashDist,
        before: values.before,
      })
      runs.push(run)
      console.log(`${row(run)}   load ${loadAverage().split(' ').slice(0, 3).join(' ')}`)
    }
  }
  const med = (variant: Variant) => {
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
  const medians = new Map(variants.map((v) => [v, med(v)]))
  for (const m of medians.values()) console.log(row(m))
  const ratio = (a: Variant, b: Variant) => {
    const [x, y] = [medians.get(a), medians.get(b)]
    if (!x || !y) return ''
    return (
      `${a} / ${b}: wall ${(x.seconds / y.seconds).toFixed(2)}, ` +
      `browser CPU ${(x.browserCpu / y.browserCpu).toFixed(2)}, ` +
      `server CPU ${(x.serverCpu / y.serverCpu).toFixed(2)}`
    )
  }
  console.log(`${ratio('hash on', 'hash off')} (wall target <= 1.10)`)
  if (values.before) {
    console.log(ratio('before', 'hash off'))
    console.log(ratio('hash on', 'before'))
  }
  console.log(`load: ${loadAverage()}`)
} finally {
  await browser.close()
  await Promise.allSettled([pg.stop(), s3.stop()])
}
