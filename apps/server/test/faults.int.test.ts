/**
 * Fault suite for direct-to-S3 uploads through the CLI (issue #10): the `uplink` CLI interrupted
 * (SIGINT, SIGKILL) during multipart parts, parts padded and PUT bodies cut on the way to S3 (the
 * CLI retries). The server's S3 endpoint is a fault proxy, so every signed URL points at it. A
 * presigned PUT damaged with the client gone is in presigned-put-faults.int.test.ts. Every trial ends with a download SHA-256-identical to
 * the file, or with a clear error and no document `uploaded`/`ready`. Replay the offsets with
 * FAULT_SEED=<seed> (printed at the start).
 */
import type { ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { faultTrials } from '@uplink/testing'
import { describe, expect, it } from 'vitest'
import { runUplink } from './support/cli.ts'
import { directFaults, MiB, pdfBytes, SLOW } from './support/direct-faults.ts'

const trials = faultTrials('direct-upload faults')
const { ctx, env, expectIntact } = directFaults(trials)
const partPath = (n: number) => new RegExp(`[?&]partNumber=${n}(&|$)`)
/** A presigned single PUT: no partNumber in the query. */
const putPath = /^(?!.*[?&]partNumber=)/

/** Kills `child` once the proxy has received `bytes` more request body bytes. */
function killAfterBytes(child: ChildProcess, bytes: number, signal: NodeJS.Signals) {
  const base = ctx.proxy.stats.bodyBytes
  const timer = setInterval(() => {
    if (child.exitCode !== null || child.signalCode !== null) clearInterval(timer)
    else if (ctx.proxy.stats.bodyBytes - base >= bytes) {
      clearInterval(timer)
      child.kill(signal)
    }
  }, 2)
}

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
        await writeFile(join(ctx.dir, file), data)
        const args = ['upload', file, '--purpose', 'video', '--concurrency', '2']
        const partNumber = trials.between(1, 4)
        const partOffset = trials.between(1, partNumber === 3 ? 8 * MiB : 16 * MiB)
        const killAt = trials.between(MiB, size - MiB)
        trials.log(
          trial,
          plan.midPart ? { size, partNumber, partOffset } : { size, killAtBodyByte: killAt },
        )
        const first = await runUplink(ctx.dir, args, await env(user), (child) => {
          if (plan.midPart) {
            ctx.proxy.setFault({
              kind: 'stall',
              method: 'PUT',
              path: partPath(partNumber),
              offset: partOffset,
            })
            void ctx.proxy.nextFault().then(() => child.kill(plan.signal))
          } else {
            killAfterBytes(child, killAt, plan.signal)
          }
        })
        ctx.proxy.setFault(undefined)
        trials.log(trial, { firstExit: first.code, firstSignal: first.signal })
        const second = await runUplink(ctx.dir, args, await env(user))
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
      await writeFile(join(ctx.dir, 'padded.mp4'), data)
      const args = ['upload', 'padded.mp4', '--purpose', 'video', '--concurrency', '2']
      const first = await runUplink(ctx.dir, args, await env('cli-pad'), (child) => {
        ctx.proxy.setFault({
          kind: 'pad',
          method: 'PUT',
          path: partPath(partNumber),
          offset,
          occurrence: 'every',
        })
        // Killed at once, so its own retry cannot repair the part: the run again must.
        void ctx.proxy.nextFault().then(() => child.kill('SIGKILL'))
      })
      expect(first.signal).toBe('SIGKILL')
      // Let the proxy finish sending the padding, as a store would have kept it.
      await new Promise((r) => setTimeout(r, 1000))
      ctx.proxy.setFault(undefined)
      const second = await runUplink(ctx.dir, args, await env('cli-pad'))
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
        await writeFile(join(ctx.dir, `cut-${t}.pdf`), data)
        ctx.proxy.setFault({ kind: 'cut', method: 'PUT', path: putPath, offset })
        const faults = ctx.proxy.stats.faults.length
        const run = await runUplink(
          ctx.dir,
          ['upload', `cut-${t}.pdf`, '--purpose', 'document'],
          await env(`put-cut-${t}`),
        )
        ctx.proxy.setFault(undefined)
        expect(ctx.proxy.stats.faults.length - faults).toBe(1)
        await expectIntact(trial, `put-cut-${t}`, data, run, family)
      }
      family.expectEnoughIntact()
    },
    SLOW,
  )
})
