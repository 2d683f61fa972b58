import { createReadStream } from 'node:fs'
import { type RunningTusd, type S3Config, startTusd } from '@uplink/launchers'
import { QueueWatch } from './peer-queue.ts'
import { cpuSeconds } from './sampler.ts'
import { makeVideoFile, SMALL_DOCUMENT_METADATA, smallDocument } from './source-file.ts'
import type { Stack } from './stack.ts'
import { MiB, mbPerSecond, median, percentile, round } from './stats.ts'
import { directMultipart, tusUploadTo, type UploadSettings } from './uploaders.ts'

export interface PeerOptions extends UploadSettings {
  /** Bytes of the large upload (one PATCH, then PATCHes of `chunkSize`). */
  size: number
  chunkSize: number
  rounds: number
  /** The many-small-uploads shape: how many, how big, how many at once. */
  smallUploads: number
  smallSize: number
  smallConcurrency: number
  /** Small uploads one after another, per round (their latency is reported). */
  sequentialUploads: number
}

/** The name of a baseline Uplink server's side (`--peer-baseline`). */
export const BASELINE = 'Uplink baseline'

/** A tus server under test: Uplink's /files (this checkout's, or a baseline's) or tusd. */
export interface TusSide {
  name: 'Uplink' | typeof BASELINE | 'tusd'
  endpoint: string
  headers: Record<string, string>
  /** The server's process, whose CPU time is read from /proc. */
  pid: number | undefined
}

/** One shape measured on each side, each round; `higherIsBetter` false for latencies. */
export interface PeerMeasure {
  name: string
  unit: string
  higherIsBetter: boolean
  /** Per side: one figure per round (latency: all samples, pooled). */
  runs: Record<string, number[]>
  /** Per side: the figure reported (median, or p50 of the pooled samples). */
  value: Record<string, number>
  /** Extra per side, e.g. the p90 of a latency. */
  note: Record<string, string>
}

export interface PeerResult {
  sizeBytes: number
  measures: PeerMeasure[]
}

/** Starts tusd against the stack's own S3 with the same part size and concurrency as Uplink. */
export function startPeerTusd(
  stack: Stack,
  s: UploadSettings,
  s3: S3Config = stack.s3,
): Promise<RunningTusd> {
  return startTusd({ s3, partSize: s.partSize, concurrentPartUploads: s.concurrency })
}

/** The tus sides: Uplink's server (one bench user), a baseline Uplink if given, and tusd. */
export async function tusSides(
  stack: Stack,
  tusd: { url: string; child: { pid?: number | undefined } },
  baseline?: { baseUrl: string; pid: number | undefined },
): Promise<TusSide[]> {
  const headers = { Authorization: `Bearer ${await stack.token('bench-peer')}` }
  return [
    { name: 'Uplink', endpoint: `${stack.baseUrl}/files`, headers, pid: stack.serverPid },
    ...(baseline
      ? [{ name: BASELINE, endpoint: `${baseline.baseUrl}/files`, headers, pid: baseline.pid }]
      : []),
    { name: 'tusd', endpoint: tusd.url, headers: {}, pid: tusd.child.pid },
  ] as TusSide[]
}

/**
 * Uplink against tusd on the same S3, same part size and parallel parts, in one run: each round
 * runs every shape on each side, alternating which side goes first, and empties the bucket
 * between runs. The large upload also runs as a direct S3 multipart upload (the ceiling).
 */
export async function runPeer(
  stack: Stack,
  tusd: RunningTusd,
  scratch: string,
  o: PeerOptions,
  say: (text: string) => void,
  baseline?: { baseUrl: string; pid: number | undefined },
): Promise<PeerResult> {
  const sides = await tusSides(stack, tusd, baseline)
  const names = sides.map((s) => s.name)
  // Bytes of the declared type: the content check then reads each object back and hashes it,
  // its normal path, instead of rejecting at the sniff.
  const { path: file } = await makeVideoFile(scratch, o.size)
  const small = smallDocument(o.smallSize)
  const upload = (
    side: TusSide,
    body: () => Parameters<typeof tusUploadTo>[1],
    size: number,
    chunkSize?: number,
    metadata?: Record<string, string>,
  ) =>
    tusUploadTo(side.endpoint, body(), size, {
      headers: side.headers,
      ...(chunkSize ? { chunkSize } : {}),
      ...(metadata ? { metadata } : {}),
    })
  const uploadSmall = (side: TusSide) =>
    upload(side, () => small, o.smallSize, undefined, SMALL_DOCUMENT_METADATA)
  const big = (chunkSize?: number) => (side: TusSide) =>
    upload(side, () => createReadStream(file), o.size, chunkSize)
  const queue = new QueueWatch(stack.databaseUrl, say)
  // Uplink's content checks of one side's uploads run before the next side starts (and before
  // the bucket is emptied under them): they are its cost, not the next side's.
  const drained = async () => {
    if (!(await queue.drained())) say('content checks still queued after 5 minutes; going on')
  }
  const timedMs = async (run: () => Promise<unknown>) => {
    const started = performance.now()
    await run()
    const ms = performance.now() - started
    await drained()
    await stack.emptyBucket()
    return ms
  }

  const sizeName = `${round(o.size / MiB)} MiB`
  const smallName = `${round(o.smallSize / MiB, 2)} MiB`
  const measures: PeerMeasure[] = []
  const measure = (name: string, unit: string, higherIsBetter: boolean, names: string[]) => {
    const m: PeerMeasure = {
      name,
      unit,
      higherIsBetter,
      runs: Object.fromEntries(names.map((n) => [n, []])),
      value: {},
      note: {},
    }
    measures.push(m)
    return m
  }
  const withDirect = [...names, 'direct S3 multipart']
  const onePatch = measure(`one ${sizeName} upload, one PATCH`, 'MB/s', true, withDirect)
  // CPU time is steadier than time on a shared machine: what each upload costs its server.
  const onePatchCpu = measure(
    `server CPU per ${sizeName} upload (one PATCH, content check included)`,
    'ms',
    false,
    names,
  )
  const chunked = measure(
    `one ${sizeName} upload, ${round(o.chunkSize / MiB)} MiB PATCHes`,
    'MB/s',
    true,
    names,
  )
  const chunkedCpu = measure(
    `server CPU per ${sizeName} upload (${round(o.chunkSize / MiB)} MiB PATCHes, content check included)`,
    'ms',
    false,
    names,
  )
  const many = measure(
    `${o.smallUploads} uploads of ${smallName}, ${o.smallConcurrency} at a time`,
    'uploads/s',
    true,
    names,
  )
  const manyCpu = measure(
    `server CPU per ${smallName} upload (${o.smallConcurrency} at a time, content checks included)`,
    'ms',
    false,
    names,
  )
  const oneByOne = measure(`${smallName} uploads one after another`, 'ms', false, names)

  // A server in service is warm: Node compiles its hot paths while it runs, Go did so ahead of
  // time. One unrecorded batch of small uploads per side, so round 1 measures no compiler.
  for (const side of sides) {
    await pool(o.smallUploads, o.smallConcurrency, () => uploadSmall(side))
  }
  await drained()
  await stack.emptyBucket()

  for (let r = 0; r < o.rounds; r++) {
    // Alternate who goes first each round, so drift on a shared machine hits both alike.
    const order = <T>(list: T[]) => (r % 2 === 0 ? list : [...list].reverse())
    const each = async (m: PeerMeasure, run: (side: TusSide) => Promise<number[]>) => {
      for (const side of order(sides)) {
        const figures = await run(side)
        m.runs[side.name]!.push(...figures)
        say(
          `peer round ${r + 1} ${m.name}, ${side.name}: ${figures.length > 1 ? `p50 ${round(median(figures))}` : round(figures[0]!)} ${m.unit}`,
        )
      }
    }
    // Runs `run`, recording the server CPU ms it cost `side` per upload in `m` (none without a pid).
    const withCpu = async <T>(
      m: PeerMeasure,
      side: TusSide | undefined,
      uploads: number,
      run: () => Promise<T>,
    ): Promise<T> => {
      const pid = side?.pid
      const before = pid ? cpuSeconds(pid) : 0
      const result = await run()
      if (side && pid) {
        const ms = ((cpuSeconds(pid) - before) * 1000) / uploads
        m.runs[side.name]!.push(ms)
        say(`peer round ${r + 1} ${m.name}, ${side.name}: ${round(ms)} ms`)
      }
      return result
    }
    for (const name of order(withDirect)) {
      const side = sides.find((s) => s.name === name)
      const ms = await withCpu(onePatchCpu, side, 1, () =>
        timedMs(() => (side ? big()(side) : directMultipart(stack, file, o.size, o))),
      )
      onePatch.runs[name]!.push(mbPerSecond(o.size, ms))
      say(`peer round ${r + 1} ${onePatch.name}, ${name}: ${round(mbPerSecond(o.size, ms))} MB/s`)
    }
    await each(chunked, async (side) => {
      const ms = await withCpu(chunkedCpu, side, 1, () => timedMs(() => big(o.chunkSize)(side)))
      return [mbPerSecond(o.size, ms)]
    })
    await each(many, async (side) => {
      const ms = await withCpu(manyCpu, side, o.smallUploads, () =>
        timedMs(() => pool(o.smallUploads, o.smallConcurrency, () => uploadSmall(side))),
      )
      return [o.smallUploads / (ms / 1000)]
    })
    await each(oneByOne, async (side) => {
      const samples: number[] = []
      for (let i = 0; i < o.sequentialUploads; i++) {
        const started = performance.now()
        await uploadSmall(side)
        samples.push(performance.now() - started)
      }
      await drained()
      await stack.emptyBucket()
      return samples
    })
  }

  await queue.end()
  for (const m of measures) {
    for (const [name, runs] of Object.entries(m.runs)) {
      if (runs.length === 0) continue
      m.value[name] = median(runs)
      if (m === oneByOne) m.note[name] = `p90 ${round(percentile(runs, 90), 0)} ms`
    }
  }
  return { sizeBytes: o.size, measures }
}

/** A side's speed as a fraction of tusd's (Uplink's by default): above 1, it is faster. */
export function ratioToTusd(m: PeerMeasure, side = 'Uplink'): number {
  const uplink = m.value[side]!
  const tusd = m.value.tusd!
  return m.higherIsBetter ? uplink / tusd : tusd / uplink
}

/** The peer section's table: each shape, each side's figure and Uplink's ratio to tusd. */
export function peerTable(result: PeerResult, rounds: number): string {
  const baseline = result.measures.some((m) => m.value[BASELINE] !== undefined)
  const lines = baseline
    ? [
        `| shape (median of ${rounds} alternating rounds) | Uplink | ${BASELINE} | tusd v2 | direct S3 multipart | Uplink ÷ tusd (speed) | baseline ÷ tusd |`,
        '|---|---|---|---|---|---|---|',
      ]
    : [
        `| shape (median of ${rounds} alternating rounds) | Uplink | tusd v2 | direct S3 multipart | Uplink ÷ tusd (speed) |`,
        '|---|---|---|---|---|',
      ]
  for (const m of result.measures) {
    const cell = (name: string) => {
      const v = m.value[name]
      if (v === undefined) return '–'
      const figure = `${round(v, v < 10 ? 1 : 0)} ${m.unit}`
      return m.note[name] ? `p50 ${figure}, ${m.note[name]}` : figure
    }
    const ratio = (side: string) => round(ratioToTusd(m, side), 2).toFixed(2)
    lines.push(
      baseline
        ? `| ${m.name} | ${cell('Uplink')} | ${cell(BASELINE)} | ${cell('tusd')} | ${cell('direct S3 multipart')} | ${ratio('Uplink')} | ${ratio(BASELINE)} |`
        : `| ${m.name} | ${cell('Uplink')} | ${cell('tusd')} | ${cell('direct S3 multipart')} | ${ratio('Uplink')} |`,
    )
  }
  return lines.join('\n')
}

/** Runs `total` tasks, at most `width` at a time. */
async function pool(total: number, width: number, task: () => Promise<unknown>): Promise<void> {
  let next = 0
  const lane = async () => {
    while (next < total) {
      next++
      await task()
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, total) }, lane))
}
