import net from 'node:net'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type RunningService, spawnService, testDatabase, testServices } from '@uplink/testing'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'
import { instanceEnv } from './support/instances.ts'
import { randomPdf, sha256Base64 } from './support/tus-requests.ts'

// Issue #21, item 6: a worker SIGKILLed while it holds a job; another worker finishes the job
// once the (here 2 s) lease has run out.
const LEASE_SECONDS = 2
const workerJs = resolve(dirname(fileURLToPath(import.meta.url)), '../dist/worker.js')

let databaseUrl: string
let h: Harness
let watcher: pg.Client
/** An "S3" that accepts connections and never answers: a content check reading from it hangs. */
let stall: net.Server
const stalled = new Set<net.Socket>()
const workers: RunningService[] = []

beforeAll(async () => {
  databaseUrl = await testDatabase()
  // Uploads only: this process runs no worker.
  h = await startHarness({ DATABASE_URL: databaseUrl })
  watcher = new pg.Client({ connectionString: databaseUrl })
  await watcher.connect()
  stall = net.createServer((socket) => {
    stalled.add(socket)
    socket.on('error', () => {})
  })
  await new Promise<void>((r) => stall.listen(0, '127.0.0.1', r))
})
afterAll(async () => {
  await Promise.all(workers.map((w) => w.kill('SIGKILL')))
  for (const s of stalled) s.destroy()
  await new Promise((r) => stall?.close(r))
  await watcher?.end()
  await h?.close()
})

/** A worker process (`pnpm worker`, dist/worker.js) on the test database and `s3Endpoint`. */
async function startWorker(s3Endpoint: string): Promise<RunningService> {
  let output = ''
  const worker = await spawnService({
    name: 'uplink worker',
    command: 'node',
    args: [workerJs],
    env: {
      ...process.env,
      ...instanceEnv(
        databaseUrl,
        { ...testServices().s3, endpoint: s3Endpoint },
        {
          UPLINK_JOB_LEASE_SECONDS: String(LEASE_SECONDS),
          UPLINK_RECONCILE_INTERVAL_MINUTES: '0',
        },
      ),
    },
    onOutput: (chunk) => {
      output += chunk.toString()
    },
    ready: async () => output.includes('uplink worker running'),
  })
  workers.push(worker)
  return worker
}

interface JobRow {
  status: string
  attempts: number
  locked_until: Date | null
}

async function jobOf(documentId: string): Promise<JobRow | undefined> {
  const { rows } = await watcher.query<JobRow>(
    `select status, attempts, locked_until from jobs where payload->>'documentId' = $1`,
    [documentId],
  )
  return rows[0]
}

async function documentOf(id: string) {
  const { rows } = await watcher.query<{ status: string; sha256: string | null; now: Date }>(
    'select status, sha256, now() as now from documents where id = $1',
    [id],
  )
  return rows[0]
}

describe('a worker that dies holding a job', () => {
  it('leaves the job to another worker, which finishes it once the lease has run out', async () => {
    const api = await h.client('ivy')
    const body = randomPdf(32 * 1024)
    const signed = await api.uploads.presignPut.mutate({
      purpose: 'document',
      filename: 'lease.pdf',
      contentType: 'application/pdf',
      size: body.length,
    })
    await fetch(signed.url, { method: 'PUT', headers: signed.headers, body })
    const doc = await api.uploads.confirm.mutate({ documentId: signed.documentId })
    expect(doc.status).toBe('uploaded')
    expect((await jobOf(doc.id))?.status).toBe('queued')

    const first = await startWorker(`http://127.0.0.1:${(stall.address() as net.AddressInfo).port}`)
    let claimed = await jobOf(doc.id)
    while (claimed?.status !== 'running') claimed = await jobOf(doc.id)
    await first.kill('SIGKILL')
    expect(claimed.attempts).toBe(1)
    const leaseEnd = claimed.locked_until!

    await startWorker(testServices().s3.endpoint)
    let checked = await documentOf(doc.id)
    while (checked?.status === 'uploaded') checked = await documentOf(doc.id)
    expect(checked).toMatchObject({ status: 'ready', sha256: sha256Base64(body) })
    // Claimed again only after the dead worker's lease ran out, and then done.
    expect(checked!.now.getTime()).toBeGreaterThanOrEqual(leaseEnd.getTime())
    // The job is done: its row goes once the outcome is on the document.
    while (await jobOf(doc.id)) {}
  }, 120_000)
})
