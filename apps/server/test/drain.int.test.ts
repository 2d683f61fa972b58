import http from 'node:http'
import net from 'node:net'
import { signDevToken } from '@uplink/api'
import { testDatabase, testServices } from '@uplink/testing'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { JWT_SECRET } from './support/harness.ts'
import { type Instance, instanceEnv, startInstance } from './support/instances.ts'
import { randomPdf, tusRequests } from './support/tus-requests.ts'

// Issue #21, item 6: after SIGTERM a server exits as soon as its last request and job are done,
// not when UPLINK_DRAIN_TIMEOUT_SECONDS has run out.
const DRAIN_TIMEOUT_SECONDS = 60
/** Well under the drain timeout, and generous for closing Postgres and S3 on a loaded machine. */
const PROMPTLY_MS = 20_000

async function start(databaseUrl?: string): Promise<Instance> {
  return startInstance(
    instanceEnv(databaseUrl ?? (await testDatabase()), testServices().s3, {
      UPLINK_DRAIN_TIMEOUT_SECONDS: String(DRAIN_TIMEOUT_SECONDS),
      UPLINK_WORKER: 'true',
      UPLINK_RECONCILE_INTERVAL_MINUTES: '0',
    }),
  )
}

const exitOf = (instance: Instance) =>
  new Promise<number | null>((resolve) => instance.service.child.once('exit', resolve))

/** Resolves once the process has logged that it is shutting down. */
async function shuttingDown(instance: Instance) {
  while (!instance.output().includes('"shutting down"')) {
    await new Promise((r) => instance.service.child.stdout?.once('data', r))
  }
}

describe('SIGTERM', () => {
  it('makes an idle server with a long drain timeout exit promptly, open keep-alive connections and all', async () => {
    const instance = await start()
    const agent = new http.Agent({ keepAlive: true })
    // A keep-alive connection that served a request, and one that has sent nothing yet.
    await new Promise<void>((resolve, reject) =>
      http
        .get(`${instance.url}/healthz`, { agent }, (res) => res.resume().on('end', resolve))
        .on('error', reject),
    )
    const silent = net.connect(instance.port, '127.0.0.1')
    silent.on('error', () => {})
    await new Promise((r) => silent.once('connect', r))

    const exited = exitOf(instance)
    const sent = Date.now()
    instance.service.child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(Date.now() - sent).toBeLessThan(PROMPTLY_MS)
    agent.destroy()
    silent.destroy()
  }, 90_000)

  it('lets an upload in flight finish, then exits before the drain timeout', async () => {
    const databaseUrl = await testDatabase()
    const instance = await start(databaseUrl)
    const token = await signDevToken(JWT_SECRET, 'drain')
    const tus = tusRequests(instance.url, token)
    const data = randomPdf(256 * 1024)
    const created = await tus.post(data.length)
    expect(created.status).toBe(201)
    const path = created.headers.get('location') ?? ''

    // A PATCH whose body is sent half before SIGTERM and half after, on a keep-alive connection.
    const agent = new http.Agent({ keepAlive: true })
    const patch = http.request(new URL(path, instance.url), {
      method: 'PATCH',
      agent,
      headers: {
        authorization: `Bearer ${token}`,
        'tus-resumable': '1.0.0',
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
        'content-length': String(data.length),
      },
    })
    const answered = new Promise<http.IncomingMessage>((resolve, reject) => {
      patch.on('response', (res) => res.resume().on('end', () => resolve(res)))
      patch.on('error', reject)
    })
    const half = data.length / 2
    patch.write(data.subarray(0, half))
    // The server is working on it once the PATCH holds the upload's lock (a Postgres advisory lock).
    const watcher = new pg.Client({ connectionString: databaseUrl })
    await watcher.connect()
    const locks = async () =>
      (
        await watcher.query<{ n: number }>(
          "select count(*)::int as n from pg_locks l join pg_database d on d.oid = l.database where l.locktype = 'advisory' and l.granted and d.datname = current_database()",
        )
      ).rows[0]?.n
    while ((await locks()) === 0) {}
    await watcher.end()

    const exited = exitOf(instance)
    instance.service.child.kill('SIGTERM')
    await shuttingDown(instance)
    patch.end(data.subarray(half))
    const res = await answered
    expect(res.statusCode).toBe(204)
    expect(res.headers['upload-offset']).toBe(String(data.length))
    const done = Date.now()
    expect(await exited).toBe(0)
    expect(Date.now() - done).toBeLessThan(PROMPTLY_MS)
    agent.destroy()
  }, 120_000)
})
