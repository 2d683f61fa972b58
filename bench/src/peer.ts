import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { type RunningTusd, type S3Config, startTusd } from '@uplink/launchers'
import { cpuSeconds } from './sampler.ts'
import { makeSourceFile } from './source-file.ts'
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

/** A tus server under test: Uplink's /files or tusd. */
export interface TusSide {
  name: 'Uplink' | 'tusd'
  endpoint: string
  headers: Record<string, string>
  /** The server's process, whose CPU time is read around the large uploads. */
  pid: number
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

/** The two tus sides: Uplink's server (one bench user) and tusd. */
export async function tusSides(
  stack: Stack,
  tusd: { url: string; child: { pid?: number | undefined } },
): Promise<TusSide[]> {
  const token = await stack.token('bench-peer')
  return [
    {
      name: 'Uplink',
      endpoint: `${stack.baseUrl}/files`,
      headers: { Authorization: `Bearer ${token}` },
      pid: stack.serverPid,
    },
    { name: 'tusd', endpoint: tusd.url, headers: {}, pid: tusd.child.pid ?? 0 },
  ]
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
): Promise<PeerResult> {
  const sides = await tusSides(stack, tusd)
  const file = await makeSourceFile(scratch, o.size)
  const small = randomBytes(o.smallSize)
  const upload = (
    side: TusSide,
    body: () => Parameters<typeof tusUploadTo>[1],
    size: number,
    chunkSize?: number,
  ) =>
    tusUploadTo(side.endpoint, body(), size, {
      headers: side.headers,
      ...(chunkSize ? { chunkSize } : {}),
    })
  const big = (chunkSize?: number) => (side: TusSide) =>
    upload(side, () => createReadStream(file), o.size, chunkSize)
  const timedMs = async (run: () => Promise<unknown>) => {
    const started = performance.now()
    await run()
    const ms = performance.now() - started
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
  const withDirect = ['Uplink', 'tusd', 'direct S3 multipart']
  const onePatch = measure(`one ${sizeName} upload, one PATCH`, 'MB/s', true, withDirect)
  const chunked = measure(
    `one ${sizeName} upload, ${round(o.chunkSize / MiB)} MiB PATCHes`,
    'MB/s',
    true,
    ['Uplink', 'tusd'],
  )
  const onePatchCpu = measure(`one ${sizeName} upload, one PATCH: server CPU`, 'CPU s', false, [
    'Uplink',
    'tusd',
  ])
  const chunkedCpu = measure(
    `one ${sizeName} upload, ${round(o.chunkSize / MiB)} MiB PATCHes: server CPU`,
    'CPU s',
    false,
    ['Uplink', 'tusd'],
  )
  const many = measure(
    `${o.smallUploads} uploads of ${smallName}, ${o.smallConcurrency} at a time`,
    'uploads/s',
    true,
    ['Uplink', 'tusd'],
  )
  const oneByOne = measure(`${smallName} uploads one after another`, 'ms', false, [
    'Uplink',
    'tusd',
  ])

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
    for (const name of order(withDirect)) {
      const side = sides.find((s) => s.name === name)
      const cpu = side ? cpuSeconds(side.pid) : 0
      const ms = await timedMs(() => (side ? big()(side) : directMultipart(stack, file, o.size, o)))
      if (side) onePatchCpu.runs[name]!.push(cpuSeconds(side.pid) - cpu)
      onePatch.runs[name]!.push(mbPerSecond(o.size, ms))
      say(`peer round ${r + 1} ${onePatch.name}, ${name}: ${round(mbPerSecond(o.size, ms))} MB/s`)
    }
    await each(chunked, async (side) => {
      const cpu = cpuSeconds(side.pid)
      const ms = await timedMs(() => big(o.chunkSize)(side))
      chunkedCpu.runs[side.name]!.push(cpuSeconds(side.pid) - cpu)
      return [mbPerSecond(o.size, ms)]
    })
    await each(many, async (side) => {
      const ms = await timedMs(() =>
        pool(o.smallUploads, o.smallConcurrency, () => upload(side, () => small, o.smallSize)),
      )
      return [o.smallUploads / (ms / 1000)]
    })
    await each(oneByOne, async (side) => {
      const samples: number[] = []
      for (let i = 0; i < o.sequentialUploads; i++) {
        const started = performance.now()
        await upload(side, () => small, o.smallSize)
        samples.push(performance.now() - started)
      }
      await stack.emptyBucket()
      return samples
    })
  }

  for (const m of measures) {
    for (const [name, runs] of Object.entries(m.runs)) {
      m.value[name] = median(runs)
      if (m === oneByOne) m.note[name] = `p90 ${round(percentile(runs, 90), 0)} ms`
    }
  }
  return { sizeBytes: o.size, measures }
}

/** Uplink's speed as a fraction of tusd's: above 1, Uplink is faster. */
export function ratioToTusd(m: PeerMeasure): number {
  const uplink = m.value.Uplink!
  const tusd = m.value.tusd!
  return m.higherIsBetter ? uplink / tusd : tusd / uplink
}

/** The peer section's table: each shape, each side's figure and Uplink's ratio to tusd. */
export function peerTable(result: PeerResult, rounds: number): string {
  const lines = [
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
    lines.push(
      `| ${m.name} | ${cell('Uplink')} | ${cell('tusd')} | ${cell('direct S3 multipart')} | ${round(ratioToTusd(m), 2).toFixed(2)} |`,
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
