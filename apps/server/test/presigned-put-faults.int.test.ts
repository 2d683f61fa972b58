/**
 * Fault suite for presigned PUTs (issues #10, #24): a body cut, or cut short and padded, between
 * the client and S3 with the client gone, then confirmed as the S3 event worker would. What a
 * store keeps of a damaged body is what differs between stores (versitygw pads a cut part, MinIO
 * stores nothing), so this file runs on MinIO too (project `minio`). No document is ever confirmed
 * with other bytes than the file's. Replay the offsets with FAULT_SEED=<seed>.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { faultTrials } from '@uplink/testing'
import { describe, expect, it } from 'vitest'
import { runUplink } from './support/cli.ts'
import { directFaults, MiB, pdfBytes, SLOW } from './support/direct-faults.ts'

const trials = faultTrials('presigned PUT faults')
const { ctx, env, expectIntact } = directFaults(trials)
/** A presigned single PUT: no partNumber in the query. */
const putPath = /^(?!.*[?&]partNumber=)/

describe('presigned PUT fault suite', () => {
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
        await writeFile(join(ctx.dir, `${kind}-killed.pdf`), data)
        const run = await runUplink(
          ctx.dir,
          ['upload', `${kind}-killed.pdf`, '--purpose', 'document'],
          await env(user),
          (child) => {
            ctx.proxy.setFault({ kind, method: 'PUT', path: putPath, offset, occurrence: 'every' })
            void ctx.proxy.nextFault().then(() => child.kill('SIGKILL'))
          },
        )
        expect(run.signal).toBe('SIGKILL')
        // S3 has had every byte the cut or padded PUT will send: what it stored is final.
        await ctx.proxy.settled()
        ctx.proxy.setFault(undefined)
        // What the S3 event worker or reconcile would do next: confirm with HeadObject.
        const trpc = await ctx.h.client(user)
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
