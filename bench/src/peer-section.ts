import { mkdtempSync } from 'node:fs'
import { join } from 'node:path'
import { tusdVersion } from '@uplink/launchers'
import type { BenchOptions } from './options.ts'
import { type PeerResult, peerTable, runPeer, startPeerTusd } from './peer.ts'
import { countsTable, countWork, type WorkCount } from './peer-counts.ts'
import { type Stack, startServer } from './stack.ts'

export interface PeerSection {
  /** The timing table, then the per-upload counts table (markdown). */
  tables: string
  results: { timing: PeerResult; counts: WorkCount[]; settings: Record<string, unknown> }
}

/**
 * The `peer` section: Uplink against tusd v2 (pinned, its S3 store, same part size and parallel
 * parts, content hashes on as by default) on the stack's S3, then the S3 requests and Postgres
 * round trips each upload kind costs on each side.
 */
export async function runPeerSection(
  stack: Stack,
  scratch: string,
  options: Pick<BenchOptions, 'peer' | 'rounds' | 'partSize' | 'concurrency' | 'logLevel'>,
  say: (text: string) => void,
): Promise<PeerSection> {
  const p = options.peer
  const settings = { partSize: options.partSize, concurrency: options.concurrency }
  const tusd = await startPeerTusd(stack, settings)
  // Before/after in one run: a baseline bundle beside this checkout's, same Postgres and S3.
  const baseline = p.baseline
    ? await startServer({
        logLevel: options.logLevel,
        databaseUrl: stack.databaseUrl,
        s3: stack.s3,
        tusTempDir: mkdtempSync(join(scratch, 'baseline-tus-')),
        ...(stack.tus ? { tus: stack.tus } : {}),
        entry: p.baseline,
      }).catch(async (err: unknown) => {
        await tusd.stop()
        throw err
      })
    : undefined
  let timing: PeerResult
  try {
    timing = await runPeer(
      stack,
      tusd,
      scratch,
      {
        ...settings,
        size: p.size,
        chunkSize: p.chunkSize,
        rounds: options.rounds,
        smallUploads: p.smallUploads,
        smallSize: p.smallSize,
        smallConcurrency: p.smallConcurrency,
        sequentialUploads: p.sequentialUploads,
      },
      say,
      baseline ? { baseUrl: baseline.baseUrl, pid: baseline.server.child.pid } : undefined,
    )
  } finally {
    await Promise.all([tusd.stop(), baseline?.server.stop()])
  }
  const counts = await countWork(
    stack,
    scratch,
    {
      ...settings,
      uploads: p.countUploads,
      smallSize: p.smallSize,
      largeSize: p.countSize,
      chunkSize: p.chunkSize,
      logLevel: options.logLevel === 'info' ? 'warn' : options.logLevel,
    },
    say,
  )
  const setup = `tusd ${tusdVersion()} (S3 store, content hashes on) and Uplink on the same versitygw; ${options.partSize / 2 ** 20} MiB parts, ${options.concurrency} in parallel on both`
  return {
    tables: `${setup}\n\n${peerTable(timing, options.rounds)}\n\n${countsTable(counts)}`,
    results: { timing, counts, settings: { ...settings, ...p, rounds: options.rounds } },
  }
}
