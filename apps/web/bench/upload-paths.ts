/**
 * Which path gets a large video from the browser to S3 fastest, in Chromium:
 *
 *   pnpm --filter @uplink/web bench:paths [--size 1536] [--rounds 3] [--paths tus,multipart,direct]
 *
 * The same file (1.5 GiB by default; `--size` in MiB or "64MiB", "1.5GiB") goes up by
 *   tus        the web app's tus path (/files, 8 MiB PATCHes, SHA-256 per PATCH and the whole
 *              file's on the last, hashed in a worker while it uploads), chosen by a policy
 *              that allows only tus;
 *   multipart  the web app's presigned multipart (UplinkMultipart: 4 parts in flight, each
 *              signed with its SHA-256 by our API, the whole file's declared at complete, all
 *              hashed in the same worker), chosen by a policy that allows only it;
 *   direct     the ceiling: @aws-sdk/lib-storage from Node straight to the same S3, same part
 *              size, 4 parts in flight, the SDK's default checksums.
 * Order rotates each round. Per run: wall time from "Upload" to the answer that completes the
 * upload, time to the first byte sent, MB/s, and CPU seconds of the client (Chromium's processes,
 * or this Node process for direct), of the Uplink server and of the S3 server. Prints medians and
 * each path's speed as a share of direct's.
 */

import { createReadStream, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { Upload } from '@aws-sdk/lib-storage'
import { defaultPolicies, planParts, type UploadMethod } from '@uplink/core'
import {
  launchChromium,
  type RunningS3,
  s3Client,
  startPostgres,
  startVersitygw,
} from '@uplink/testing'
import type { Browser } from 'playwright-core'
import { chooseFiles, signIn } from '../e2e/support/browser.ts'
import buildWeb from '../e2e/support/build-web.ts'
import { emptyBucket, startBenchServer } from './support/bench-server.ts'
import { childPid, ownCpuSeconds, treeCpuSeconds } from './support/proc-cpu.ts'
import { loadAverage, mbPerSecond, median, parseSize, writeVideoFile } from './support/stats.ts'

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '1536' },
    rounds: { type: 'string', default: '3' },
    paths: { type: 'string', default: 'tus,multipart,direct' },
  },
})
const size = parseSize(values.size)
const rounds = Number(values.rounds)
if (!(rounds >= 1)) throw new Error('--rounds must be at least 1')
const ALL_PATHS = ['tus', 'multipart', 'direct'] as const
type Path = (typeof ALL_PATHS)[number]
const PATHS = values.paths.split(',').map((name) => {
  if (!ALL_PATHS.includes(name as Path)) {
    throw new Error(
      `--paths takes a comma-separated list of ${ALL_PATHS.join(', ')}; not "${name}"`,
    )
  }
  return name as Path
})
const PARALLEL_PARTS = 4

interface Run {
  path: Path
  seconds: number
  firstByte: number
  clientCpu: number
  serverCpu: number
  s3Cpu: number
}

/** Server, Chromium (or this process) and S3 CPU seconds so far. */
const cpuNow = (client: () => number, serverPid: number) => ({
  client: client(),
  server: serverPid ? treeCpuSeconds(serverPid) : 0,
  s3: treeCpuSeconds(childPid('versitygw')),
})

/** The web app uploads `file` by `method` (the only one its video policy allows). */
async function throughBrowser(
  browser: Browser,
  method: Extract<UploadMethod, 'tus' | 'multipart'>,
  file: string,
  pg: string,
  s3: RunningS3,
): Promise<Run> {
  const policies = { ...defaultPolicies, video: { ...defaultPolicies.video, methods: [method] } }
  const server = await startBenchServer(pg, s3, {
    env: { UPLINK_POLICIES: JSON.stringify(policies) },
  })
  const context = await browser.newContext()
  try {
    const page = await context.newPage()
    await signIn(page, server.baseUrl, 'bench')
    await chooseFiles(page, [file])
    let firstByteAt = 0
    page.on('request', (req) => {
      const bytes = method === 'tus' ? req.method() === 'PATCH' : isPartPut(req.url(), s3)
      if (bytes && !firstByteAt) firstByteAt = Date.now()
    })
    // tus: the PATCH whose answer says every byte is in (the server completed its multipart);
    // multipart: the answer to `multipart.complete`.
    const done = page.waitForResponse(
      (res) =>
        method === 'tus'
          ? res.request().method() === 'PATCH' && Number(res.headers()['upload-offset']) === size
          : new URL(res.url()).pathname.includes('multipart.complete') && res.ok(),
      { timeout: 3_600_000 },
    )
    const chromium = childPid('chromium')
    const before = cpuNow(() => treeCpuSeconds(chromium), server.service.child.pid ?? 0)
    const start = Date.now()
    await page.getByRole('button', { name: 'Upload 1 file' }).click()
    const answer = await done
    const end = Date.now()
    // Measured with the whole file's SHA-256 declared, as shipped: Repr-Digest on tus's last
    // PATCH, sha256 in multipart.complete.
    const request = answer.request()
    const declared =
      method === 'tus'
        ? request.headers()['repr-digest'] !== undefined
        : (request.postData() ?? '').includes('"sha256"')
    if (!declared) throw new Error(`the ${method} upload declared no whole-file SHA-256`)
    const after = cpuNow(() => treeCpuSeconds(chromium), server.service.child.pid ?? 0)
    return {
      path: method,
      seconds: (end - start) / 1000,
      firstByte: (firstByteAt - start) / 1000,
      clientCpu: after.client - before.client,
      serverCpu: after.server - before.server,
      s3Cpu: after.s3 - before.s3,
    }
  } finally {
    await context.close()
    await server.stop()
    await emptyBucket(s3)
  }
}

/** A part PUT straight to S3 (presigned: `partNumber` and `uploadId` in the query). */
function isPartPut(url: string, s3: RunningS3): boolean {
  return url.startsWith(s3.endpoint) && url.includes('partNumber=')
}

/** The ceiling: the AWS SDK's multipart upload from Node to the same S3. */
async function direct(file: string, s3: RunningS3): Promise<Run> {
  const client = s3Client(s3)
  try {
    const before = cpuNow(ownCpuSeconds, 0)
    const start = Date.now()
    await new Upload({
      client,
      params: {
        Bucket: s3.bucket,
        Key: `bench/direct/${start}`,
        Body: createReadStream(file, { highWaterMark: 1024 * 1024 }),
        ContentType: 'video/mp4',
        ContentLength: size,
      },
      partSize: planParts(size).partSize,
      queueSize: PARALLEL_PARTS,
    }).done()
    const end = Date.now()
    const after = cpuNow(ownCpuSeconds, 0)
    return {
      path: 'direct',
      seconds: (end - start) / 1000,
      firstByte: 0,
      clientCpu: after.client - before.client,
      serverCpu: 0,
      s3Cpu: after.s3 - before.s3,
    }
  } finally {
    client.destroy()
    await emptyBucket(s3)
  }
}

const row = (label: string, r: Omit<Run, 'path'>, ratio?: number) =>
  [
    label.padEnd(18),
    r.seconds.toFixed(1).padStart(7),
    r.firstByte.toFixed(1).padStart(6),
    mbPerSecond(size, r.seconds).toFixed(1).padStart(7),
    (ratio === undefined ? '' : ratio.toFixed(2)).padStart(6),
    r.clientCpu.toFixed(1).padStart(8),
    r.serverCpu.toFixed(1).padStart(8),
    r.s3Cpu.toFixed(1).padStart(7),
  ].join(' ')

await buildWeb()
const dir = mkdtempSync(join(tmpdir(), 'uplink-paths-bench-'))
const file = join(dir, 'big.mp4')
process.on('exit', () => rmSync(dir, { recursive: true, force: true }))
const [pg, s3] = await Promise.all([startPostgres(), startVersitygw()])
const browser = await launchChromium()
try {
  await writeVideoFile(file, size)
  console.log(`${size / 1024 / 1024} MiB, ${rounds} rounds, load: ${loadAverage()}`)
  console.log(
    `path                wall s  1st b     MB/s  ×${PATHS.includes('direct') ? 'dir' : PATHS[0]?.slice(0, 3)}  cli cpu  srv cpu  s3 cpu`,
  )
  const runs: Run[] = []
  for (let round = 0; round < rounds; round++) {
    const order = PATHS.map((_, i) => PATHS[(i + round) % PATHS.length] as Path)
    for (const path of order) {
      const run =
        path === 'direct'
          ? await direct(file, s3)
          : await throughBrowser(browser, path, file, pg.url, s3)
      runs.push(run)
      console.log(row(path, run))
    }
  }
  const med = (path: Path) => {
    const mine = runs.filter((r) => r.path === path)
    const m = (k: keyof Omit<Run, 'path'>) => median(mine.map((r) => r[k]))
    return {
      seconds: m('seconds'),
      firstByte: m('firstByte'),
      clientCpu: m('clientCpu'),
      serverCpu: m('serverCpu'),
      s3Cpu: m('s3Cpu'),
    }
  }
  // Speed as a share of direct's (1.00 is the ceiling), or of tus's when direct did not run.
  const base = PATHS.includes('direct') ? 'direct' : PATHS[0]
  const ceiling = base ? med(base) : undefined
  for (const path of PATHS) {
    const m = med(path)
    console.log(row(`median ${path}`, m, ceiling && ceiling.seconds / m.seconds))
  }
  console.log(`load: ${loadAverage()}`)
} finally {
  await browser.close()
  await Promise.allSettled([pg.stop(), s3.stop()])
}
