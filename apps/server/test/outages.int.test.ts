import { signDevToken } from '@uplink/api'
import { type RunningS3, startVersitygw, testDatabase } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, JWT_SECRET, startHarness } from './support/harness.ts'
import { type Instance, instanceEnv, startInstance } from './support/instances.ts'
import { startTcpRelay, type TcpRelay } from './support/tcp-relay.ts'
import { randomPdf, sha256Base64, tusRequests } from './support/tus-requests.ts'

// Outages under a production process of its own (issue #21, item 2): Postgres behind a relay
// that cuts every connection, and a private versitygw that is SIGKILLed and restarted.
let instance: Instance
let pgRelay: TcpRelay
let s3: RunningS3
let h: Harness

beforeAll(async () => {
  const db = new URL(await testDatabase())
  pgRelay = await startTcpRelay(Number(db.port))
  db.port = String(pgRelay.port)
  s3 = await startVersitygw()
  instance = await startInstance(
    instanceEnv(db.toString(), s3, {
      // The upload must end `ready`: content checks run in this process.
      UPLINK_WORKER: 'true',
      UPLINK_RECONCILE_INTERVAL_MINUTES: '0',
      UPLINK_RATE_LIMIT_UPLOADS: 'off',
    }),
  )
  h = await startHarness()
}, 120_000)
afterAll(async () => {
  await instance?.service.kill('SIGKILL')
  await h?.close()
  await pgRelay?.close()
  await s3?.stop()
})

const alive = () =>
  instance.service.child.exitCode === null && instance.service.child.signalCode === null

/** An answer as `<status> retry-after=<value>`, or `no answer` (the process is gone). */
async function probe(request: Promise<Response>): Promise<string> {
  const res = await request.catch(() => undefined)
  if (!res) return 'no answer'
  await res.arrayBuffer().catch(() => undefined)
  return `${res.status} retry-after=${res.headers.get('retry-after')}`
}

const trpc = (path: string, token: string, input: unknown) =>
  fetch(`${instance.url}/trpc/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  })
const presign = (token: string) =>
  trpc('uploads.presignPut', token, {
    purpose: 'document',
    filename: 'a.pdf',
    contentType: 'application/pdf',
    size: 10,
  })

async function documentOf(token: string, id: string) {
  const res = await fetch(
    `${instance.url}/trpc/documents.byId?input=${encodeURIComponent(JSON.stringify({ id }))}`,
    { headers: { authorization: `Bearer ${token}` } },
  )
  expect(res.status).toBe(200)
  return ((await res.json()) as { result: { data: { status: string; sha256: string | null } } })
    .result.data
}

/** Rounds of tus HEAD/PATCH/POST and tRPC calls during an outage (a loaded machine: by count). */
const OUTAGE_ROUNDS = 15

const outages = [
  {
    name: 'Postgres (every connection cut, new ones refused)',
    down: () => pgRelay.down(),
    up: () => pgRelay.up(),
  },
  {
    name: 'S3 (versitygw SIGKILLed, then restarted)',
    down: () => s3.kill('SIGKILL'),
    up: () => s3.restart(),
  },
]

describe('when Postgres or S3 goes away', () => {
  for (const outage of outages) {
    it(`${outage.name}: the process stays up, tus and tRPC answer 503 + Retry-After, /readyz is 200 within 5 s of the return, and the upload resumes to ready`, async () => {
      const token = await signDevToken(JWT_SECRET, 'olga')
      const tus = tusRequests(instance.url, token)
      const data = randomPdf(512 * 1024)
      const chunk = 64 * 1024
      const created = await tus.post(data.length)
      expect(created.status).toBe(201)
      const url = created.headers.get('location') ?? ''
      const documentId = created.headers.get('uplink-document-id') ?? ''
      expect((await tus.patch(url, 0, data.subarray(0, chunk))).status).toBe(204)
      expect((await tus.head(url)).headers.get('upload-offset')).toBe(String(chunk))
      const presigned = await presign(token)
      expect(presigned.status).toBe(200)
      const pending = ((await presigned.json()) as { result: { data: { documentId: string } } })
        .result.data.documentId
      // Confirm reads the row (Postgres) and heads the object (S3): nothing is uploaded yet.
      const confirm = () => trpc('uploads.confirm', token, { documentId: pending })
      expect((await confirm()).status).toBe(412)

      await outage.down()
      // The upload keeps trying and the API keeps being called, round after round.
      const answers = new Set<string>()
      for (let round = 0; round < OUTAGE_ROUNDS && alive(); round++) {
        const [head, patch, post, call, ready, health] = await Promise.all([
          probe(tus.head(url)),
          probe(tus.patch(url, chunk, data.subarray(chunk, 2 * chunk))),
          probe(tus.post(data.length)),
          probe(confirm()),
          probe(fetch(`${instance.url}/readyz`)),
          probe(fetch(`${instance.url}/healthz`)),
        ])
        for (const answer of [head, patch, post, call]) answers.add(answer)
        expect(ready).toMatch(/^503 /)
        expect(health).toMatch(/^200 /)
      }
      expect(alive(), `the server exited:\n${instance.output().slice(-3000)}`).toBe(true)
      expect([...answers]).toEqual(['503 retry-after=5'])

      await outage.up()
      const back = Date.now()
      while ((await fetch(`${instance.url}/readyz`)).status !== 200) {
        expect(Date.now() - back).toBeLessThan(5000)
      }
      expect((await tus.head(url)).headers.get('upload-offset')).toBe(String(chunk))
      expect((await confirm()).status).toBe(412)
      for (let offset = chunk; offset < data.length; offset += chunk) {
        const res = await tus.patch(url, offset, data.subarray(offset, offset + chunk))
        expect(res.status).toBe(204)
      }
      let doc = await documentOf(token, documentId)
      while (doc.status === 'pending' || doc.status === 'uploaded') {
        doc = await documentOf(token, documentId)
      }
      expect(doc).toMatchObject({ status: 'ready', sha256: sha256Base64(data) })
      expect(alive()).toBe(true)
    }, 120_000)
  }
})

describe('API responses', () => {
  it('are never cached and never sniffed', async () => {
    const res = await presign(await h.token('olga'))
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(res.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('refuses a 200 MB tRPC body with 413 without reading it into memory', async () => {
    const token = await h.token('olga')
    const before = process.memoryUsage().rss
    const chunk = Buffer.alloc(1024 * 1024, 0x20)
    let sent = 0
    const body = new ReadableStream({
      pull(controller) {
        if (sent >= 200) return controller.close()
        sent++
        controller.enqueue(chunk)
      },
    })
    const res = await fetch(`${h.baseUrl}/trpc/uploads.presignPut`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit).catch((err: unknown) => err)
    if (res instanceof Response) expect(res.status).toBe(413)
    // The server stopped reading long before 200 MB (a reset counts as refusal too).
    expect(sent).toBeLessThan(200)
    expect(process.memoryUsage().rss - before).toBeLessThan(20 * 1024 * 1024)
  })
})
