import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ChecksumTally } from './checksum-tally.ts'
import { contentRows, runContent } from './content.ts'
import { largePassed, largeTable, runLarge } from './large.ts'
import { measureLatency } from './latency.ts'
import { readOptions } from './options.ts'
import { runPeerSection } from './peer-section.ts'
import { runPresign } from './presign.ts'
import { machine, markdownTable, type Row, writeResults } from './report.ts'
import { dirBytes, peakSampler, rssBytes } from './sampler.ts'
import { runScale } from './scale.ts'
import { makeSourceFile } from './source-file.ts'
import { startStack } from './stack.ts'
import { MiB, mbPerSecond, median, round } from './stats.ts'
import { clientMultipart, directMultipart, tusUpload } from './uploaders.ts'

const options = readOptions(process.argv.slice(2))
if (options.sections.has('scale')) {
  // Its own stack: three servers behind HAProxy (readOptions keeps it alone).
  const { rows, results } = await runScale(
    {
      uploads: options.scaleUploads,
      sizeBytes: options.scaleSize,
      poolSize: options.scalePool,
      logLevel: options.logLevel === 'info' ? 'warn' : options.logLevel,
    },
    (text) => console.error(`bench: ${text}`),
  )
  const file = writeResults({ machine: machine(), scale: results, rows })
  console.log(`\n${machine()}\n\n${markdownTable(rows)}\n\nresults: ${file}`)
  process.exit(0)
}
const rows: Row[] = []
const results: Record<string, unknown> = {
  machine: machine(),
  options: { ...options, sections: [...options.sections] },
}
const say = (text: string) => console.error(`bench: ${text}`)
if (options.sections.has('presign')) {
  // Local signing only: no stack needed, and nothing else running beside it.
  const presign = await runPresign(
    { urls: options.presignUrls, rounds: options.presignRounds },
    say,
  )
  rows.push(...presign.rows)
  results.presign = presign.results
  if (options.sections.size === 1) {
    results.rows = rows
    const file = writeResults(results)
    console.log(`\n${machine()}\n\n${markdownTable(rows)}\n\nresults: ${file}`)
    process.exit(0)
  }
}
const settings = { partSize: options.partSize, concurrency: options.concurrency }
const scratch = mkdtempSync(join(tmpdir(), 'uplink-bench-src-'))
const stack = await startStack({
  logLevel: options.logLevel,
  processes: options.processes,
  tus: { partSize: options.partSize, partsPerUpload: options.concurrency },
  ...(options.cpuProfileDir
    ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] }
    : {}),
})
async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now()
  await run()
  const ms = performance.now() - started
  await stack.emptyBucket()
  return ms
}

try {
  let tusMBps: number | undefined

  if (options.sections.has('throughput')) {
    const size = options.size
    const file = await makeSourceFile(scratch, size)
    const tallies = { direct: new ChecksumTally(), client: new ChecksumTally() }
    const runners: Record<string, () => Promise<unknown>> = {
      'direct multipart (ceiling)': () =>
        directMultipart(stack, file, size, settings, tallies.direct),
      'tus, one PATCH': () => tusUpload(stack, file, size, { userId: 'bench-tus' }),
      'tus, 64 MiB PATCHes': () =>
        tusUpload(stack, file, size, { userId: 'bench-tus', chunkSize: 64 * MiB }),
      'presigned multipart (@uplink/client)': () =>
        clientMultipart(stack, file, settings, 'bench-mp', { checksums: tallies.client }),
    }
    const checksums = (name: string) =>
      name.startsWith('tus')
        ? stack.tusChecksums
        : name.startsWith('direct')
          ? `${tallies.direct.describe()} (AWS SDK default)`
          : tallies.client.describe()
    const names = Object.keys(runners)
    const speeds: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
    for (let r = 0; r < options.rounds; r++) {
      // Alternate the order each round so drift on a shared machine hits every side alike.
      const order = r % 2 === 0 ? names : [...names].reverse()
      for (const name of order) {
        const ms = await timed(runners[name]!)
        speeds[name]!.push(mbPerSecond(size, ms))
        say(`round ${r + 1} ${name}: ${round(mbPerSecond(size, ms))} MB/s`)
      }
    }
    const medians = Object.fromEntries(names.map((n) => [n, median(speeds[n]!)]))
    const ceiling = medians[names[0]!]!
    tusMBps = medians['tus, one PATCH']
    for (const name of names) {
      const ratio = medians[name]! / ceiling
      const isTus = name.startsWith('tus')
      rows.push({
        measure: `${name}, ${size / MiB} MiB (median of ${options.rounds})`,
        value: `${round(medians[name]!)} MB/s (${round(ratio * 100, 0)} %)`,
        checksums: checksums(name),
        ...(isTus ? { target: '≥ 90 % of ceiling', pass: ratio >= 0.9 } : {}),
      })
    }
    results.throughput = {
      sizeBytes: size,
      runsMBps: speeds,
      medianMBps: medians,
      checksums: Object.fromEntries(names.map((n) => [n, checksums(n)])),
    }
  }

  if (options.sections.has('memory')) {
    const peaks: { size: number; rss: number; disk: number }[] = []
    for (const size of options.memorySizes) {
      const file = await makeSourceFile(scratch, size)
      const rss = peakSampler(() => rssBytes(stack.serverPid))
      const disk = peakSampler(() => dirBytes(stack.tusTempDir), 200)
      await timed(() => tusUpload(stack, file, size, { userId: 'bench-mem' }))
      peaks.push({ size, rss: await rss.stop(), disk: await disk.stop() })
      rmSync(file)
      say(`memory ${size / MiB} MiB: rss ${round(peaks.at(-1)!.rss / MiB)} MiB`)
    }
    const first = peaks[0]!
    for (const p of peaks) {
      const growth = p.rss / first.rss - 1
      rows.push({
        measure: `server peak RSS, tus ${p.size / MiB} MiB`,
        value: `${round(p.rss / MiB)} MiB (temp disk peak ${round(p.disk / MiB)} MiB)`,
        target: p === first ? '< 256 MB' : '< 256 MB, within 15 % of the first',
        pass: p.rss < 256e6 && (p === first || growth <= 0.15),
      })
    }
    results.memory = peaks
  }

  if (options.sections.has('concurrency')) {
    const n = options.concurrentUploads
    const size = options.concurrentSize
    const file = await makeSourceFile(scratch, size)
    if (tusMBps === undefined) {
      tusMBps = mbPerSecond(
        size,
        await timed(() => tusUpload(stack, file, size, { userId: 'bench-c' })),
      )
    }
    const rss = peakSampler(() => rssBytes(stack.serverPid))
    const ms = await timed(async () => {
      await Promise.all(
        Array.from({ length: n }, (_, i) =>
          tusUpload(stack, file, size, { userId: `bench-c${i}` }),
        ),
      )
    })
    const aggregate = mbPerSecond(n * size, ms)
    const peak = await rss.stop()
    rows.push({
      measure: `${n} simultaneous tus uploads of ${size / MiB} MiB`,
      value: `${round(aggregate)} MB/s aggregate (${round((aggregate / tusMBps) * 100, 0)} % of one upload), peak RSS ${round(peak / MiB)} MiB`,
    })
    results.concurrency = {
      uploads: n,
      sizeBytes: size,
      aggregateMBps: aggregate,
      singleMBps: tusMBps,
      peakRss: peak,
    }
  }

  if (options.sections.has('latency')) {
    const load = { connections: options.connections, durationSeconds: options.durationSeconds }
    const latency = await measureLatency(stack, load)
    for (const l of latency) {
      rows.push({
        measure: `${l.name} (${load.connections} conns, ${load.durationSeconds} s)`,
        value: `${round(l.requestsPerSecond, 0)} req/s, p50 ${l.p50} ms, p99 ${l.p99} ms, ${l.errors} errors`,
        ...(l.target ? { target: l.target, pass: l.pass ?? false } : {}),
      })
    }
    results.latency = latency
  }

  let largeRows = ''
  if (options.sections.has('large')) {
    const large = await runLarge(
      stack,
      scratch,
      { ...settings, size: options.largeSize, waitMs: options.largeWaitMs },
      say,
    )
    largeRows = `\n\n${largeTable(large, options.largeSize)}`
    results.large = { sizeBytes: options.largeSize, paths: large }
    if (!large.every(largePassed)) process.exitCode = 1
  }

  if (options.sections.has('content')) {
    const c = await runContent(
      stack,
      // A ratio needs a median: at least 3 rounds, also with --quick.
      {
        size: options.contentSize,
        rateMBps: options.contentRateMBps,
        rounds: Math.max(3, options.rounds),
      },
      say,
    )
    await stack.emptyBucket()
    const content = contentRows(c)
    rows.push(...content.rows)
    if (!content.passed) process.exitCode = 1
    results.content = c
  }

  let peerTables = ''
  if (options.sections.has('peer')) {
    const peer = await runPeerSection(stack, scratch, options, say)
    peerTables = `\n\n${peer.tables}`
    results.peer = peer.results
  }

  results.rows = rows
  const file = writeResults(results)
  const table = rows.length ? `\n\n${markdownTable(rows)}` : ''
  console.log(`\n${machine()}${table}${largeRows}${peerTables}\n\nresults: ${file}`)
} finally {
  await stack.stop()
  rmSync(scratch, { recursive: true, force: true })
}
