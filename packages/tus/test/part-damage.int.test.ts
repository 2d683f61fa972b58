/**
 * Fault suite for tus, the store's part (issue #10, #24): part uploads padded or flipped on the
 * way to S3 by a proxy. How S3 answers a damaged body is what differs between stores (versitygw
 * pads a cut part, MinIO stores nothing; the refusal codes differ), so this file runs on MinIO
 * too (project `minio`). Every trial ends with the stored object SHA-256-identical to the file,
 * or with an error and a document that is not `uploaded`/`ready`. Replay with FAULT_SEED=<seed>.
 */
import {
  type FaultProxy,
  type FaultRule,
  faultTrials,
  startFaultProxy,
  testServices,
} from '@uplink/testing'
import { beforeAll, describe, expect, it } from 'vitest'
import { faultKit, headOffset, PART, partPath, RETRIES, settle } from './fault-verdict.ts'
import type { AppConfig, RunningApp } from './fixtures/app.ts'
import { MiB, randomFile, tusUpload } from './helpers.ts'

const trials = faultTrials('tus part damage')
const { cleanups, expectIntact, appOn } = faultKit(trials)

describe('through a proxy that damages part uploads to S3', () => {
  let proxy: FaultProxy
  let app: RunningApp
  let config: AppConfig
  beforeAll(async () => {
    const { s3 } = testServices()
    proxy = await startFaultProxy({ target: s3.endpoint })
    cleanups.push(() => proxy.stop())
    ;({ app, config } = await appOn({ ...s3, endpoint: proxy.endpoint }))
  })

  for (const kind of ['pad', 'flip'] as const) {
    it(`ends intact, or clearly failed in at most 20 % of trials, when one part upload is ${kind === 'pad' ? 'cut short and padded' : 'flipped'}`, async () => {
      const family = trials.family(`${kind} part`, { trials: 2 })
      for (let t = 1; t <= 2; t++) {
        const size = 22 * MiB
        const partNumber = trials.between(1, 5)
        const offset = trials.between(0, PART)
        const trial = `${kind} part #${t}`
        trials.log(trial, { size, partNumber, offset })
        const faults = proxy.stats.faults.length
        proxy.setFault({
          kind,
          method: 'PUT',
          path: partPath(partNumber),
          offset,
        })
        const data = randomFile(size)
        const outcome = await settle(
          tusUpload(data, {
            endpoint: `${app.url}/files`,
            userId: `${kind}${t}`,
            retryDelays: RETRIES,
          }),
        )
        proxy.setFault(undefined)
        expect(proxy.stats.faults.length - faults).toBe(1)
        await expectIntact(family, trial, config, data, outcome)
      }
      family.expectEnoughIntact()
    }, 240_000)
  }

  it('never counts a part that was cut short and padded: HEAD excludes it and the resume is intact', async () => {
    const size = 16 * MiB
    const offset = trials.between(1, PART)
    const trial = 'padded part not counted'
    trials.log(trial, { size, partNumber: 2, offset })
    const rule: FaultRule = {
      kind: 'pad',
      method: 'PUT',
      path: partPath(2),
      offset,
      occurrence: 'every',
    }
    proxy.setFault(rule)
    const faults = proxy.stats.faults.length
    const data = randomFile(size)
    const first = await settle(tusUpload(data, { endpoint: `${app.url}/files`, userId: 'padded' }))
    expect(proxy.stats.faults.length - faults).toBeGreaterThanOrEqual(1)
    expect(first.url).not.toBe('')
    // Part 2 holds bytes [5 MiB, 10 MiB): an offset past 5 MiB trusts the padded part.
    const offsetAfter = await headOffset(first.url, 'padded')
    trials.log(trial, { firstError: String(first.error), offsetAfter })
    expect.soft(offsetAfter).toBeLessThanOrEqual(PART)
    proxy.setFault(undefined)
    const second = tusUpload(data, {
      endpoint: `${app.url}/files`,
      uploadUrl: first.url,
      userId: 'padded',
      retryDelays: RETRIES,
    })
    const family = trials.family(trial, { trials: 1 })
    await expectIntact(family, trial, config, data, await settle(second))
    family.expectEnoughIntact()
  }, 240_000)
})
