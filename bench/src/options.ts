import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { MiB } from './stats.ts'

export interface BenchOptions {
  /** Bytes per throughput comparison upload. */
  size: number
  rounds: number
  memorySizes: number[]
  concurrentUploads: number
  concurrentSize: number
  connections: number
  durationSeconds: number
  partSize: number
  concurrency: number
  logLevel: string
  /** Directory for the server's V8 CPU profile, when asked for. */
  cpuProfileDir: string | undefined
  processes: number
  /** Bytes of the large section's file (default past S3's 5 GiB single-copy limit). */
  largeSize: number
  /** How long the large section waits for a document's content check. */
  largeWaitMs: number
  /** The scale section: concurrent tus uploads, each one's size, pool size per instance. */
  scaleUploads: number
  scaleSize: number
  scalePool: number
  /** The content section: bytes streamed through /documents/:id/content, consumer pace. */
  contentSize: number
  contentRateMBps: number
  /** The presign section: URLs per kind and signer per round, and rounds. */
  presignUrls: number
  presignRounds: number
  /** The peer section (Uplink against tusd): its shapes' sizes and counts. */
  peer: {
    size: number
    chunkSize: number
    smallUploads: number
    smallSize: number
    smallConcurrency: number
    sequentialUploads: number
    countUploads: number
    countSize: number
    /** A baseline server bundle's main.js, measured beside this checkout's (before/after). */
    baseline?: string | undefined
  }
  sections: Set<string>
}

const SECTIONS = [
  'presign',
  'throughput',
  'memory',
  'concurrency',
  'latency',
  'large',
  'scale',
  'content',
  'peer',
]
/**
 * Sections run without --only; `large` and `content` write and move GiBs, `scale` starts a
 * stack of its own (three servers behind HAProxy) and `presign` compares two signers (a library
 * decision, not a service figure), so they are asked for by name.
 */
const DEFAULT_SECTIONS = SECTIONS.filter(
  (s) => !['large', 'scale', 'content', 'presign'].includes(s),
)

const HELP = `pnpm bench [options]
  --quick                 smoke run, under 2 minutes
  --size <MiB>            bytes per throughput upload (default 1024)
  --rounds <n>            alternating rounds per comparison (default 3)
  --memory <MiB,MiB>      tus uploads whose server RSS is sampled (default 1024,4096)
  --concurrent <n>        simultaneous tus uploads (default 20)
  --concurrent-size <MiB> size of each (default 256)
  --connections <n>       API load connections (default 50)
  --duration <s>          API load seconds per endpoint (default 20)
  --part-size <MiB>       part size for every multipart path (default 16)
  --part-concurrency <n>  parallel parts (default 4)
  --log-level <level>     server log level (default info)
  --processes <n>         server processes for the API latency run (default 1)
  --cpu-prof              write the server's CPU profile to bench/results/profiles
  --large-size <MiB>      the large section's file, uploaded by tus and by presigned
                          multipart, downloaded and compared by SHA-256 (default 6144)
  --large-wait <s>        how long to wait for each large document's checks (default 600)
  --scale-uploads <n>     scale: concurrent tus uploads, through 1 instance, then 3 behind
                          HAProxy (default 200)
  --scale-size <MiB>      scale: size of each (default 8)
  --scale-pool <n>        scale: DATABASE_POOL_SIZE per instance (default 10)
  --content-size <MiB>    content: object streamed through GET /documents/:id/content
                          (default 4096)
  --content-rate <MB/s>   content: the consumer's reading pace (default 40)
  --presign-urls <n>      presign: PUT, GET and part URLs per signer per round (default 50000)
  --presign-rounds <n>    presign: alternating rounds, the median counts (default 5)
  --peer-size <MiB>       peer: the large upload, one PATCH and chunked (default 1024)
  --peer-chunk <MiB>      peer: PATCH size of the chunked upload (default 5)
  --peer-small <n>        peer: small uploads sent 16 at a time (default 200)
  --peer-small-size <MiB> peer: size of each small upload (default 1)
  --peer-small-concurrency <n>  peer: small uploads at once (default 16)
  --peer-sequential <n>   peer: small uploads one after another, per round (default 50)
  --peer-count <n>        peer: uploads per kind whose S3 requests and Postgres round trips
                          are counted (default 10)
  --peer-count-size <MiB> peer: the multi-part upload whose requests are counted (default 40)
  --peer-baseline <main.js>  peer: also time a baseline server bundle (e.g. main's
                          apps/server/dist copied aside) on the same Postgres and S3
  --only <a,b>            sections: ${SECTIONS.join(', ')}
                          (default: all but large, scale, content and presign)`

/** Reads the command line; every size and duration is a flag. */
export function readOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean' },
      help: { type: 'boolean' },
      size: { type: 'string' },
      rounds: { type: 'string' },
      memory: { type: 'string' },
      concurrent: { type: 'string' },
      'concurrent-size': { type: 'string' },
      connections: { type: 'string' },
      duration: { type: 'string' },
      'part-size': { type: 'string' },
      'part-concurrency': { type: 'string' },
      'log-level': { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      processes: { type: 'string' },
      'large-size': { type: 'string' },
      'large-wait': { type: 'string' },
      only: { type: 'string' },
      'scale-uploads': { type: 'string' },
      'scale-size': { type: 'string' },
      'scale-pool': { type: 'string' },
      'content-size': { type: 'string' },
      'content-rate': { type: 'string' },
      'presign-urls': { type: 'string' },
      'presign-rounds': { type: 'string' },
      'peer-size': { type: 'string' },
      'peer-chunk': { type: 'string' },
      'peer-small': { type: 'string' },
      'peer-small-size': { type: 'string' },
      'peer-small-concurrency': { type: 'string' },
      'peer-sequential': { type: 'string' },
      'peer-count': { type: 'string' },
      'peer-count-size': { type: 'string' },
      'peer-baseline': { type: 'string' },
    },
  })
  if (values.help) {
    console.log(HELP)
    process.exit(0)
  }
  const quick = values.quick === true
  const num = (name: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback
    const n = Number(value)
    if (!Number.isFinite(n) || n <= 0)
      throw new Error(`--${name} must be a positive number, got "${value}"`)
    return n
  }
  const sections = new Set(
    (values.only ?? DEFAULT_SECTIONS.join(',')).split(',').map((s) => s.trim()),
  )
  for (const s of sections) {
    if (!SECTIONS.includes(s))
      throw new Error(`--only: unknown section "${s}" (use ${SECTIONS.join(', ')})`)
  }
  if (sections.has('scale') && sections.size > 1) {
    throw new Error('--only scale runs alone (it starts three servers of its own)')
  }
  const processes = num('processes', values.processes, 1)
  if (processes > 1 && [...sections].some((s) => s !== 'latency')) {
    throw new Error(
      '--processes > 1 is for API latency only (RSS is per process): add --only latency',
    )
  }
  return {
    size: num('size', values.size, quick ? 64 : 1024) * MiB,
    rounds: num('rounds', values.rounds, quick ? 1 : 3),
    memorySizes: (values.memory ?? (quick ? '128,256' : '1024,4096'))
      .split(',')
      .map((v) => num('memory', v, 0) * MiB),
    concurrentUploads: num('concurrent', values.concurrent, quick ? 4 : 20),
    concurrentSize: num('concurrent-size', values['concurrent-size'], quick ? 32 : 256) * MiB,
    connections: num('connections', values.connections, quick ? 20 : 50),
    durationSeconds: num('duration', values.duration, quick ? 3 : 20),
    partSize: num('part-size', values['part-size'], 16) * MiB,
    concurrency: num('part-concurrency', values['part-concurrency'], 4),
    logLevel: values['log-level'] ?? 'info',
    processes,
    largeSize: Math.round(num('large-size', values['large-size'], 6144) * MiB),
    largeWaitMs: num('large-wait', values['large-wait'], 600) * 1000,
    cpuProfileDir: values['cpu-prof']
      ? fileURLToPath(new URL('../results/profiles', import.meta.url))
      : undefined,
    scaleUploads: num('scale-uploads', values['scale-uploads'], quick ? 20 : 200),
    scaleSize: num('scale-size', values['scale-size'], quick ? 1 : 8) * MiB,
    scalePool: num('scale-pool', values['scale-pool'], 10),
    contentSize: Math.round(num('content-size', values['content-size'], quick ? 256 : 4096) * MiB),
    contentRateMBps: num('content-rate', values['content-rate'], 40),
    presignUrls: Math.round(num('presign-urls', values['presign-urls'], quick ? 5000 : 50_000)),
    presignRounds: Math.round(num('presign-rounds', values['presign-rounds'], quick ? 3 : 5)),
    peer: {
      size: Math.round(num('peer-size', values['peer-size'], quick ? 64 : 1024) * MiB),
      chunkSize: Math.round(num('peer-chunk', values['peer-chunk'], 5) * MiB),
      smallUploads: Math.round(num('peer-small', values['peer-small'], quick ? 40 : 200)),
      smallSize: Math.round(num('peer-small-size', values['peer-small-size'], 1) * MiB),
      smallConcurrency: Math.round(
        num('peer-small-concurrency', values['peer-small-concurrency'], 16),
      ),
      sequentialUploads: Math.round(
        num('peer-sequential', values['peer-sequential'], quick ? 10 : 50),
      ),
      countUploads: Math.round(num('peer-count', values['peer-count'], quick ? 3 : 10)),
      countSize: Math.round(num('peer-count-size', values['peer-count-size'], 40) * MiB),
      baseline: values['peer-baseline'],
    },
    sections,
  }
}
