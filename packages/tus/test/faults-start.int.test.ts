/**
 * A tus test server that does not come up says where its start stands (issue #22: on a loaded
 * machine a spawned server stayed silent for 120 s, its port refused, and the error said no
 * more). The dependency here is a Postgres that accepts a session and then never answers a
 * query: the start hangs in its migrations, deterministically, as a starved one hangs anywhere.
 */
import { createServer, type Server } from 'node:net'
import { freePort, spawnService, testServices } from '@uplink/testing'
import { afterAll, describe, expect, it } from 'vitest'
import type { AppConfig } from './fixtures/app.ts'
import { serveBundle } from './fixtures/bundle-serve.ts'

const servers: Server[] = []
afterAll(async () => {
  for (const server of servers) server.close()
})

/**
 * A Postgres server that completes the startup handshake (AuthenticationOk, ReadyForQuery) and
 * then never answers; `queried` resolves once a query has arrived.
 */
async function silentPostgres() {
  let onQuery = () => {}
  const queried = new Promise<void>((resolve) => {
    onQuery = resolve
  })
  const server = createServer((socket) => {
    let started = false
    socket.on('data', () => {
      if (started) return onQuery()
      started = true
      // Postgres protocol 3: 'R' AuthenticationOk (int32 length 8, int32 0), then 'Z'
      // ReadyForQuery (int32 length 5, 'I' idle).
      socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0, 0x5a, 0, 0, 0, 5, 0x49]))
    })
    socket.on('error', () => {})
  })
  servers.push(server)
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return { url: `postgres://postgres@127.0.0.1:${port}/t_stuck`, queried }
}

/** Starts the bundled tus test server with `config`, as spawnServer does. */
async function start(config: AppConfig, ready: () => Promise<boolean>, timeoutMs: number) {
  return spawnService({
    name: `the tus test server on ${config.port}`,
    command: process.execPath,
    args: [await serveBundle()],
    env: { ...process.env, UPLINK_TUS_TEST_CONFIG: JSON.stringify(config) },
    ready,
    timeoutMs,
  })
}

const answers = (port: number) => async () =>
  (await fetch(`http://127.0.0.1:${port}/files`, { method: 'OPTIONS' })).headers.has('tus-version')

describe('the tus test server start', () => {
  it('that hangs on its database fails with the step it was at, still running, not a bare timeout', async () => {
    const db = await silentPostgres()
    const port = await freePort()
    const config: AppConfig = { databaseUrl: db.url, s3: testServices().s3, port }
    // Times out only once the server is stuck in its migrations' first query (an event).
    const error = await start(
      config,
      async () => {
        await db.queried
        return answers(port)()
      },
      1_000,
    ).catch((err: Error) => err)
    expect(error).toBeInstanceOf(Error)
    const message = (error as Error).message
    console.info(message)
    expect(message).toContain(`waiting for the tus test server on ${port} to answer`)
    expect(message).toMatch(/it is still running \(pid \d+\)/)
    expect(message).toMatch(/CPU s\): migrating database t_stuck/)
  }, 240_000)

  it('that exits fails at once with its stderr, not after the timeout', async () => {
    const port = await freePort()
    // Nothing listens on the database port: the connection is refused and the start ends.
    const config: AppConfig = {
      databaseUrl: `postgres://postgres@127.0.0.1:${await freePort()}/t_gone`,
      s3: testServices().s3,
      port,
    }
    const error = await start(config, answers(port), 3_600_000).catch((err: Error) => err)
    expect(error).toBeInstanceOf(Error)
    const message = (error as Error).message
    expect(message).toContain(`the tus test server on ${port} exited (code 1)`)
    expect(message).toMatch(/migrating database t_gone[\s\S]*ECONNREFUSED/)
  }, 240_000)
})
