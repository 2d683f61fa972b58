/**
 * What the tus fault files share: the verdict of a trial (the stored object is the file, or the
 * upload failed and its document is not `uploaded`/`ready`), apps started for a trial, and the
 * client's retry schedule. Each file has its own `faultTrials` (its own FAULT_SEED line).
 */
import { createDb, findDocumentById } from '@uplink/db'
import { createStorage } from '@uplink/storage'
import {
  type FaultTrials,
  type S3Config,
  storageSettings,
  type TrialFamily,
  testDatabase,
} from '@uplink/testing'
import { afterAll, expect } from 'vitest'
import { type AppConfig, type RunningApp, startApp } from './fixtures/app.ts'
import {
  bearer,
  describeDifference,
  keyOf,
  MiB,
  objectBytes,
  objectSha256,
  sha256,
  type TusResult,
  type tusUpload,
} from './helpers.ts'

export const PART = 5 * MiB // the fixture app's part size
// ~3 min of retries: a restarted server on a loaded machine once took over 50 s to answer (the
// client gave up, FAULT_SEED=1129357519). A client that outlasts the outage is what is tested.
export const RETRIES = [
  200,
  500,
  1000,
  1000,
  2000,
  2000,
  3000,
  3000,
  ...Array<number>(30).fill(5000),
]

/** Selects the UploadPart requests of one part number. */
export const partPath = (n: number) => new RegExp(`[?&]partNumber=${n}(&|$)`)

/** The document id is the last segment of the object key behind a tus URL. */
const documentIdOf = (url: string) => keyOf(url).split('/').pop() ?? ''

/** The verdicts and apps of one fault file; what it starts is stopped after the file. */
export function faultKit(trials: FaultTrials) {
  const cleanups: (() => Promise<unknown>)[] = []
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
  })

  /**
   * The trial's verdict: the upload succeeded and S3 holds exactly the file, or it failed and
   * its document is not `uploaded`/`ready`. Soft assertions: the remaining trials still run.
   * Records in `family` whether it ended intact.
   */
  async function expectIntact(
    family: TrialFamily,
    trial: string,
    config: AppConfig,
    data: Buffer,
    outcome: { url: string; error?: unknown },
  ): Promise<void> {
    const intact = await verdict(trial, config, data, outcome)
    family.record(trial, intact)
  }

  async function verdict(
    trial: string,
    config: AppConfig,
    data: Buffer,
    outcome: { url: string; error?: unknown },
  ): Promise<boolean> {
    const db = createDb({ url: config.databaseUrl })
    const storage = createStorage(storageSettings(config.s3))
    try {
      if (!outcome.url) {
        // The client lost its upload URL (tus-js-client drops it on a 4xx HEAD): say why.
        trials.log(trial, { outcome: 'no upload url', error: String(outcome.error) })
        expect.soft(outcome.error, 'a trial without an upload URL must have failed').toBeDefined()
        return false
      }
      const doc = await findDocumentById(db, documentIdOf(outcome.url))
      if (outcome.error) {
        trials.log(trial, { outcome: 'error', error: String(outcome.error), status: doc?.status })
        expect.soft(String(outcome.error)).not.toBe('')
        expect.soft(['uploaded', 'ready']).not.toContain(doc?.status)
        return false
      }
      // The client was told the upload is complete: the object must be there and be the file.
      const stored = await objectSha256(storage.client, storage.bucket, keyOf(outcome.url)).catch(
        (err: Error) => ({ sha256: `no object: ${err.name}`, size: undefined }),
      )
      trials.log(trial, {
        outcome: 'uploaded',
        status: doc?.status,
        intact: stored.sha256 === sha256(data),
        ...(stored.size === undefined ? { object: stored.sha256 } : {}),
      })
      if (stored.size !== undefined && stored.sha256 !== sha256(data)) {
        // Where the bytes went wrong tells zeros (padding) from misplaced or missing ranges.
        const bytes = await objectBytes(storage.client, storage.bucket, keyOf(outcome.url))
        trials.log(trial, { damage: describeDifference(bytes, data) })
      }
      expect.soft(stored.sha256, 'SHA-256 of the stored object').toBe(sha256(data))
      expect.soft(stored.size).toBe(data.length)
      expect.soft(doc?.status).toBe('uploaded')
      return stored.sha256 === sha256(data) && stored.size === data.length
    } finally {
      await db.destroy()
      storage.destroy()
    }
  }

  async function appOn(
    s3: S3Config,
    tus?: AppConfig['tus'],
  ): Promise<{ app: RunningApp; config: AppConfig }> {
    const config: AppConfig = { databaseUrl: await testDatabase(), s3, ...(tus ? { tus } : {}) }
    const app = await startApp(config)
    cleanups.push(() => app.close())
    return { app, config }
  }

  return { cleanups, expectIntact, appOn }
}

/** Waits for a tus upload to end either way; `url` is known once the upload was created. */
export async function settle(
  started: ReturnType<typeof tusUpload>,
): Promise<{ url: string; error?: unknown }> {
  try {
    const result: TusResult = await started.done
    return { url: result.url }
  } catch (error) {
    return { url: started.upload.url ?? '', error }
  }
}

export async function headOffset(url: string, userId: string): Promise<number> {
  const res = await fetch(url, {
    method: 'HEAD',
    headers: { 'Tus-Resumable': '1.0.0', Authorization: bearer(userId) },
  })
  expect(res.status).toBe(200)
  return Number(res.headers.get('upload-offset'))
}
