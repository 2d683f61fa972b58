/**
 * What the direct-upload fault files share: a server whose S3 endpoint is a fault proxy (so every
 * signed URL points at it), the CLI's environment, and the verdict of a trial: every
 * `uploaded`/`ready` document downloads exactly the file; a successful last run printed one of
 * them; a failed one said why and left none.
 */
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type FaultProxy,
  type FaultTrials,
  startFaultProxy,
  type TrialFamily,
  testServices,
} from '@uplink/testing'
import { afterAll, beforeAll, expect } from 'vitest'
import type { CliRun } from './cli.ts'
import { type Harness, startHarness } from './harness.ts'

export const MiB = 1024 * 1024
export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')
/** Each CLI run is a fresh Node process: allow for a busy machine. */
export const SLOW = 420_000

/** Starts the proxy and the server for the file's tests; stops them after. */
export function directFaults(trials: FaultTrials) {
  const ctx = {} as { h: Harness; proxy: FaultProxy; dir: string }
  beforeAll(async () => {
    ctx.proxy = await startFaultProxy({ target: testServices().s3.endpoint })
    ctx.h = await startHarness({ S3_ENDPOINT: ctx.proxy.endpoint })
    ctx.dir = await mkdtemp(join(tmpdir(), 'uplink-faults-'))
  })
  afterAll(async () => {
    await ctx.h?.close()
    await ctx.proxy?.stop()
    if (ctx.dir) await rm(ctx.dir, { recursive: true, force: true })
  })

  async function env(userId: string) {
    return { UPLINK_URL: ctx.h.baseUrl, UPLINK_TOKEN: await ctx.h.token(userId) }
  }

  async function downloadSha(userId: string, id: string): Promise<string> {
    const res = await fetch(`${ctx.h.baseUrl}/documents/${id}/download`, {
      headers: { authorization: `Bearer ${await ctx.h.token(userId)}` },
    })
    expect(res.status).toBe(200)
    return sha256(Buffer.from(await res.arrayBuffer()))
  }

  /**
   * The verdict of a trial for a user who uploaded only `data`: every `uploaded`/`ready`
   * document downloads exactly `data`; a successful last run printed one of them; a failed one
   * said why and left none. Soft assertions: the remaining trials still run and report.
   */
  async function expectIntact(
    trial: string,
    userId: string,
    data: Buffer,
    last: CliRun,
    family?: TrialFamily,
  ) {
    const trpc = await ctx.h.client(userId)
    const { items } = await trpc.documents.list.query({})
    const served = items.filter((d) => d.status === 'uploaded' || d.status === 'ready')
    const hashes = await Promise.all(served.map((d) => downloadSha(userId, d.id)))
    trials.log(trial, {
      exit: last.code,
      stderr: last.code === 0 ? undefined : last.stderr.trim().split('\n').slice(-2).join(' | '),
      documents: items.map((d) => d.status),
      intact: hashes.map((x) => x === sha256(data)),
    })
    for (const hash of hashes) expect.soft(hash).toBe(sha256(data))
    if (last.code === 0) {
      expect.soft(served.map((d) => d.id)).toContain(last.stdout.trim())
    } else {
      expect.soft(last.stderr.trim()).not.toBe('')
      expect.soft(served).toEqual([])
    }
    // Intact: the run succeeded and the document it printed holds exactly the file.
    const printed = served.findIndex((d) => d.id === last.stdout.trim())
    family?.record(trial, last.code === 0 && printed >= 0 && hashes[printed] === sha256(data))
  }

  return { ctx, env, expectIntact }
}

/** Random bytes behind a PDF header (the document purpose takes PDFs). */
export function pdfBytes(size: number): Buffer {
  const data = randomBytes(size)
  data.write('%PDF-1.7\n', 0, 'latin1')
  return data
}
