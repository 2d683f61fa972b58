/**
 * Fault suite for direct-to-S3 uploads (issue #10): the `uplink` CLI interrupted (SIGINT,
 * SIGKILL) during multipart parts, parts padded on the way to S3, presigned PUT bodies cut.
 * The server's S3 endpoint is a fault proxy, so every signed URL points at it. Every trial ends
 * with a download SHA-256-identical to the file, or with a clear error and no document
 * `uploaded`/`ready`. Replay the offsets with FAULT_SEED=<seed> (printed at the start).
 */
import type { ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type FaultProxy,
  faultTrials,
  startFaultProxy,
  type TrialFamily,
  testServices,
} from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CliRun, runUplink } from './support/cli.ts'
import { type Harness, startHarness } from './support/harness.ts'

const MiB = 1024 * 1024
const trials = faultTrials('direct-upload faults')
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')
const partPath = (n: number) => new RegExp(`[?&]partNumber=${n}(&|$)`)
/** A presigned single PUT: no partNumber in the query. */
const putPath = /^(?!.*[?&]partNumber=)/

let h: Harness
let proxy: FaultProxy
let dir: string
beforeAll(async () => {
  proxy = await startFaultProxy({ target: testServices().s3.endpoint })
  h = await startHarness({ S3_ENDPOINT: proxy.endpoint })
  dir = await mkdtemp(join(tmpdir(), 'uplink-faults-'))
})
afterAll(async () => {
  await h?.close()
  await proxy?.stop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

async function env(userId: string) {
  return { UPLINK_URL: h.baseUrl, UPLINK_TOKEN: await h.token(userId) }
}

async function downloadSha(userId: string, id: string): Promise<string> {
  const res = await fetch(`${h.baseUrl}/documents/${id}/download`, {
    headers: { authorization: `Bearer ${await h.token(userId)}` },
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
  const trpc = await h.client(userId)
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

/** Kills `child` once the proxy has received `bytes` more request body bytes. */
function killAfterBytes(child: ChildProcess, bytes: number, signal: NodeJS.Signals) {
  const base = proxy.stats.bodyBytes
  const timer = setInterval(() => {
    if (child.exitCode !== null || child.signalCode !== null) clearInterval(timer)
    else if (proxy.stats.bodyBytes - base >= bytes) {
      clearInterval(timer)
      child.kill(signal)
    }
  }, 2)
}

// Each CLI run is a fresh Node process with tsx: allow for a busy machine.
const SLOW = 420_000

describe('direct-upload fault suite', () => {
  it(
    'multipart via the CLI ends intact after SIGINT or SIGKILL during parts, or clearly failed in at most 20 % of trials',
    async () => {
      const size = 40 * MiB // parts of 16, 16 and 8 MiB
      const plans = [
        { signal: 'SIGINT', midPart: true },
        { signal: 'SIGKILL', midPart: true },
        { signal: 'SIGINT', midPart: false },
        { signal: 'SIGKILL', midPart: false },
      ] as const
      // A clean failure is safe but is not a resume: at least 80 % must end intact.
      const family = trials.family('CLI kill', { trials: plans.length })
      for (const [i, plan] of plans.entries()) {
        const trial = `CLI ${plan.signal} #${i + 1}`
        const user = `cli-kill-${i + 1}`
        const file = `movie-${i + 1}.mp4`
        const data = randomBytes(size)
        await writeFile(join(dir, file), data)
        const args = ['upload', file, '--purpose', 'video', '--concurrency', '2']
        const partNumber = trials.between(1, 4)
        const partOffset = trials.between(1, partNumber === 3 ? 8 * MiB : 16 * MiB)
        const killAt = trials.between(MiB, size - MiB)
        trials.log(
          trial,
          plan.midPart ? { size, partNumber, partOffset } : { size, killAtBodyByte: killAt },
        )
        const first = await runUplink(dir, args, await env(user), (child) => {
          if (plan.midPart) {
            proxy.setFault({
              kind: 'stall',
              method: 'PUT',
              path: partPath(partNumber),
              offset: partOffset,
            })
            void proxy.nextFault().then(() => child.kill(plan.signal))
          } else {
            killAfterBytes(child, killAt, plan.signal)
          }
        })
        proxy.setFault(undefined)
        trials.log(trial, { firstExit: first.code, firstSignal: first.signal })
        const second = await runUplink(dir, args, await env(user))
        await expectIntact(trial, user, data, second, family)
      }
      family.expectEnoughIntact()
    },
    SLOW,
  )

  it(
    'multipart via the CLI ends intact after one part is cut short, padded and the CLI run again',
    async () => {
      const size = 40 * MiB
      const partNumber = trials.between(1, 4)
      const offset = trials.between(1, partNumber === 3 ? 8 * MiB : 16 * MiB)
      const trial = 'CLI padded part'
      trials.log(trial, { size, partNumber, offset })
      const data = randomBytes(size)
      await writeFile(join(dir, 'padded.mp4'), data)
      const args = ['upload', 'padded.mp4', '--purpose', 'video', '--concurrency', '2']
      const first = await runUplink(dir, args, await env('cli-pad'), (child) => {
        proxy.setFault({
          kind: 'pad',
          method: 'PUT',
          path: partPath(partNumber),
          offset,
          occurrence: 'every',
        })
        // Killed at once, so its own retry cannot repair the part: the run again must.
        void proxy.nextFault().then(() => child.kill('SIGKILL'))
      })
      expect(first.signal).toBe('SIGKILL')
      // The proxy has sent all the padding and S3 has answered it: the store kept what it keeps.
      await proxy.settled()
      proxy.setFault(undefined)
      const second = await runUplink(dir, args, await env('cli-pad'))
      await expectIntact(trial, 'cli-pad', data, second)
    },
    SLOW,
  )

  it(
    'a presigned PUT whose body is cut ends intact (the CLI retries), or clearly failed in at most 20 % of trials',
    async () => {
      const family = trials.family('PUT cut', { trials: 2 })
      for (let t = 1; t <= 2; t++) {
        const size = trials.between(2 * MiB, 12 * MiB)
        const offset = trials.between(1, size)
        const trial = `PUT cut #${t}`
        trials.log(trial, { size, offset })
        const data = pdfBytes(size)
        await writeFile(join(dir, `cut-${t}.pdf`), data)
        proxy.setFault({ kind: 'cut', method: 'PUT', path: putPath, offset })
        const faults = proxy.stats.faults.length
        const run = await runUplink(
          dir,
          ['upload', `cut-${t}.pdf`, '--purpose', 'document'],
          await env(`put-cut-${t}`),
        )
        proxy.setFault(undefined)
        expect(proxy.stats.faults.length - faults).toBe(1)
        await expectIntact(trial, `put-cut-${t}`, data, run, family)
      }
      family.expectEnoughIntact()
    },
    SLOW,
  )

  for (const kind of ['cut', 'pad'] as const) {
    it(
      `a presigned PUT ${kind === 'cut' ? 'cut' : 'cut short and padded'} with the client gone is never confirmed with wrong bytes`,
      async () => {
        const size = trials.between(2 * MiB, 12 * MiB)
        const offset = trials.between(1, size)
        const trial = `PUT ${kind} then client killed`
        const user = `put-${kind}-killed`
        trials.log(trial, { size, offset })
        const data = pdfBytes(size)
        await writeFile(join(dir, `${kind}-killed.pdf`), data)
        const run = await runUplink(
          dir,
          ['upload', `${kind}-killed.pdf`, '--purpose', 'document'],
          await env(user),
          (child) => {
            proxy.setFault({ kind, method: 'PUT', path: putPath, offset, occurrence: 'every' })
            void proxy.nextFault().then(() => child.kill('SIGKILL'))
          },
        )
        expect(run.signal).toBe('SIGKILL')
        // S3 has had every byte the cut or padded PUT will send: what it stored is final.
        await proxy.settled()
        proxy.setFault(undefined)
        // What the S3 event worker or reconcile would do next: confirm with HeadObject.
        const trpc = await h.client(user)
        const { items } = await trpc.documents.list.query({})
        expect(items).toHaveLength(1)
        const id = items[0]?.id ?? ''
        const confirmed = await trpc.uploads.confirm.mutate({ documentId: id }).then(
          (doc) => ({ ok: true as const, status: doc.status }),
          (err: Error) => ({ ok: false as const, message: err.message }),
        )
        trials.log(trial, { confirm: confirmed })
        if (!confirmed.ok) expect(confirmed.message).not.toBe('')
        await expectIntact(trial, user, data, {
          code: confirmed.ok ? 0 : 1,
          signal: null,
          stdout: id,
          stderr: confirmed.ok ? '' : confirmed.message,
        })
      },
      SLOW,
    )
  }
})

/** Random bytes behind a PDF header (the document purpose takes PDFs). */
function pdfBytes(size: number): Buffer {
  const data = randomBytes(size)
  data.write('%PDF-1.7\n', 0, 'latin1')
  return data
}
