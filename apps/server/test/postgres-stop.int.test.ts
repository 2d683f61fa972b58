import { signDevToken } from '@uplink/api'
import { type RunningPostgres, startPostgres } from '@uplink/launchers'
import { testServices } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JWT_SECRET } from './support/harness.ts'
import { type Instance, instanceEnv, startInstance } from './support/instances.ts'
import { randomPdf, tusRequests } from './support/tus-requests.ts'

// A real Postgres of this file's own, stopped with pg_ctl under a production server process
// that has served tus (so its lock session holds a connection). Issue #21, item 2.
let postgres: RunningPostgres
let instance: Instance

beforeAll(async () => {
  // Durable: an immediate stop is a crash, and the upload's offset must survive it.
  postgres = await startPostgres({ durable: true })
  instance = await startInstance(instanceEnv(postgres.url, testServices().s3))
}, 120_000)
afterAll(async () => {
  await instance?.service.kill('SIGKILL')
  await postgres?.stop()
})

const alive = () =>
  instance.service.child.exitCode === null && instance.service.child.signalCode === null
const LOST = 'tus lock session lost its connection'
const lostCount = () => instance.output().split(LOST).length - 1

/** An answer's status and Retry-After, or `no answer` when the process is gone. */
async function probe(request: Promise<Response>): Promise<string> {
  const res = await request.catch(() => undefined)
  if (!res) return 'no answer'
  await res.arrayBuffer().catch(() => undefined)
  return `${res.status} retry-after=${res.headers.get('retry-after')}`
}

const presign = (token: string) =>
  fetch(`${instance.url}/trpc/uploads.presignPut`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      purpose: 'document',
      filename: 'a.pdf',
      contentType: 'application/pdf',
      size: 10,
    }),
  })

describe('pg_ctl stop under a server that has served tus', () => {
  for (const mode of ['fast', 'immediate'] as const) {
    it(`survives pg_ctl stop -m ${mode}, answers tus and tRPC with 503 + Retry-After, and resumes the upload once Postgres is back`, async () => {
      const token = await signDevToken(JWT_SECRET, `pg-${mode}`)
      const tus = tusRequests(instance.url, token)
      const data = randomPdf(256 * 1024)
      const half = data.length / 2
      const created = await tus.post(data.length)
      expect(created.status).toBe(201)
      const url = created.headers.get('location') ?? ''
      expect((await tus.patch(url, 0, data.subarray(0, half))).status).toBe(204)
      expect((await tus.head(url)).headers.get('upload-offset')).toBe(String(half))

      const lostBefore = lostCount()
      await postgres.halt(mode)
      // Requests keep coming until the server has seen its lock session's connection go (the
      // connection that, without an 'error' listener, ended the process), and a few rounds more.
      const answers = new Set<string>()
      let rounds = 0
      while (alive() && (lostCount() === lostBefore || rounds < 3)) {
        for (const answer of await Promise.all([
          probe(tus.head(url)),
          probe(tus.patch(url, half, data.subarray(half))),
          probe(tus.post(data.length)),
          probe(presign(token)),
        ])) {
          answers.add(answer)
        }
        rounds++
      }
      expect(alive(), `the server exited:\n${instance.output().slice(-3000)}`).toBe(true)
      expect([...answers]).toEqual(['503 retry-after=5'])

      await postgres.resume()
      const back = Date.now()
      while ((await fetch(`${instance.url}/readyz`)).status !== 200) {
        expect(Date.now() - back).toBeLessThan(5000)
      }
      expect((await tus.head(url)).headers.get('upload-offset')).toBe(String(half))
      expect((await tus.patch(url, half, data.subarray(half))).status).toBe(204)
      expect((await presign(token)).status).toBe(200)
      expect(alive()).toBe(true)
    }, 60_000)
  }
})
