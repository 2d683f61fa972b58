/**
 * What browser-side integrity costs a large video upload, in Chromium, on each path:
 *
 *   pnpm --filter @uplink/web bench:integrity [--size 1536] [--rounds 3] [--paths multipart,tus]
 *     [--before <checkout>]
 *
 * `multipart` is what the web app does for a video (presigned parts, each signed with its
 * SHA-256, the whole file's SHA-256 declared at `multipart.complete`); `tus` is the fallback
 * (a CRC32 per PATCH, the whole file's SHA-256 in the last PATCH's Repr-Digest), measured with a
 * video policy pinned to that one method. The same code built twice: as shipped (hashing in a
 * worker while the file uploads) and with `VITE_UPLINK_BROWSER_HASH=off` (no whole-file digest;
 * multipart parts are still hashed, S3 needs them), run side by side on the same server,
 * Postgres, S3, Chromium and file, the variants' order rotating each round.
 * Per upload: wall time from "Upload" to the answer that completes it (tus: the last PATCH's;
 * multipart: `multipart.complete`'s) and the MB/s it makes, the time to the first byte sent
 * (a PATCH or a part PUT), main-thread long tasks
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
    paths: { type: 'string', default: 'multipart,tus' },
  },
})
const size = parseSize(values.mib ?? values.size)
const rounds = Number(values.rounds)
if (!(rounds >= 1)) throw new Error('--rounds must be at least 1')
const PATHS = ['multipart', 'tus'] as const
type Path = (typeof PATHS)[number]
const paths = (values.paths ?? '').split(',').map((p) => p.trim()) as Path[]
for (const p of paths) {
  if (!PATHS.includes(p)) throw new Error(`--paths: ${p} is not one of ${PATHS.join(', ')}`)
}
type Hashing = 'on' | 'off' | 'before'
type Variant = `${Path} ${Hashing}`
const hashings: Hashing[] = values.before ? ['on', 'off', 'before'] : ['on', 'off']
const variants: Variant[] = paths.flatMap((p) => hashings.map((h): Variant => `${p} ${h}`))
const pathOf = (v: Variant) => v.split(' ')[0] as Path
const hashingOf = (v: Variant) => v.split(' ')[1] as Hashing

/** The video policy pinned to one method, so the web app takes `path`. */
const videosBy = (path: Path) => ({
  UPLINK_POLICIES: JSON.stringify({
    ...defaultPolicies,
    video: { ...defaultPolicies.video, methods: [path] },
  }),
})

interface Run {
  variant: Variant
  seconds: number
  firstByte: number
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
  const path = pathOf(variant)
  const hashing = hashingOf(variant)
  const server = await startBenchServer(services.pg, s3, {
    ...(hashing === 'before' && services.before ? { checkout: services.before } : {}),
    env: videosBy(path),
  })
  const context = await browser.newContext()
  try {
    const stopServing =
      hashing === 'off'
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
    // A run that never ends says why: the page's errors as they happen.
    page.on('pageerror', (err) => console.error(`${variant}: page error: ${err.message}`))
    page.on('console', (msg) => {
      if (msg.type() === 'error') console.error(`${variant}: console: ${msg.text()}`)
    })
    await signIn(page, server.baseUrl, 'bench')
    await chooseFiles(page, [file])
    // The page and its uploader are loaded: the upload's requests go untouched.
    await stopServing()
    let firstByteAt = 0
    // Whether the bodies carried their checksum (tus: Upload-Checksum; parts: always, S3 needs
    // it), and whether the whole file's SHA-256 was declared: proof the variant is the one measured.
    const checksummed = new Set<boolean>()
    page.on('request', (req) => {
      const body =
        path === 'tus'
          ? req.method() === 'PATCH'
          : req.url().startsWith(s3.endpoint) && req.url().includes('partNumber=')
      if (!body) return
      firstByteAt ||= Date.now()
      checksummed.add(
        path === 'tus'
          ? req.headers()['upload-checksum'] !== undefined
          : req.headers()['x-amz-checksum-sha256'] !== undefined ||
              req.url().includes('x-amz-checksum-sha256'),
      )
    })
    const done = page.waitForResponse(
      (res) =>
        path === 'tus'
          ? res.request().method() === 'PATCH' && Number(res.headers()['upload-offset']) === size
          : new URL(res.url()).pathname.includes('multipart.complete') && res.ok(),
      { timeout: 3_600_000 },
    )
    const chromium = childPid('chromium')
    const serverPid = server.service.child.pid ?? 0
    const cpu0 = [treeCpuSeconds(chromium), treeCpuSeconds(serverPid)]
    const pageStart = await page.evaluate(() => performance.now())
    const start = Date.now()
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    const answer = await done
    const end = Date.now()
    const cpu1 = [treeCpuSeconds(chromium), treeCpuSeconds(serverPid)]
    const request = answer.request()
    const declared =
      path === 'tus'
        ? request.headers()['repr-digest'] !== undefined
        : (request.postData() ?? '').includes('"sha256"')
    const bodiesChecked = path === 'multipart' || hashing !== 'off'
    if (checksummed.size !== 1 || !checksummed.has(bodiesChecked)) {
      throw new Error(`${variant}: bodies with their checksum: ${[...checksummed]}`)
    }
    if (hashing !== 'before' && declared !== (hashing === 'on')) {
      throw new Error(`${variant}: whole-file SHA-256 declared: ${declared}`)
    }
    const tasks = (
      await page.evaluate(() => (window as unknown as { longTasks: [number, number][] }).longTasks)
    ).filter(([at]) => at >= pageStart)
    return {
      variant,
      seconds: (end - start) / 1000,
      firstByte: (firstByteAt - start) / 1000,
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
    r.variant.padEnd(23),
    r.seconds.toFixed(1).padStart(7),
    mbPerSecond(size, r.seconds).toFixed(1).padStart(6),
    r.firstByte.toFixed(1).padStart(6),
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
  console.log(
    `${'variant'.padEnd(23)}  wall s   MB/s  1st B  tasks  task ms  max ms  chr cpu  srv cpu`,
  )
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
      firstByte: m('firstByte'),
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
  for (const p of paths) {
    console.log(`${ratio(`${p} on`, `${p} off`)} (wall target <= 1.10)`)
    if (values.before) {
      console.log(ratio(`${p} before`, `${p} off`))
      console.log(ratio(`${p} on`, `${p} before`))
    }
  }
  console.log(`load: ${loadAverage()}`)
} finally {
  await browser.close()
  await Promise.allSettled([pg.stop(), s3.stop()])
}
