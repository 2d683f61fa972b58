import { createDb, findDocumentById } from '@uplink/db'
import { createStorage } from '@uplink/storage'
import { freePort, storageSettings } from '@uplink/testing'
import { DefaultHttpStack, type HttpStack } from 'tus-js-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppConfig } from './fixtures/app.ts'
import {
  freshConfig,
  keyOf,
  MiB,
  objectSha256,
  randomFile,
  type ServerProcess,
  sha256,
  spawnServer,
  tusUpload,
} from './helpers.ts'

let config: AppConfig
let db: ReturnType<typeof createDb>
let storage: ReturnType<typeof createStorage>
const running: ServerProcess[] = []

beforeAll(async () => {
  config = await freshConfig()
  db = createDb({ url: config.databaseUrl })
  storage = createStorage(storageSettings(config.s3))
})
afterAll(async () => {
  await Promise.all(running.map((p) => p.stop('SIGKILL')))
  await db?.destroy()
  storage?.destroy()
})

async function start(port: number) {
  const server = await spawnServer({ ...config, port })
  running.push(server)
  return server
}

async function expectStored(url: string, data: Buffer) {
  const key = keyOf(url)
  const stored = await objectSha256(storage.client, storage.bucket, key)
  expect(stored.sha256).toBe(sha256(data))
  expect((await findDocumentById(db, key.split('/').pop() ?? ''))?.status).toBe('uploaded')
}

describe('server processes', () => {
  it('resumes after the server process is killed with SIGKILL and started again', async () => {
    const port = await freePort()
    let server = await start(port)
    const data = randomFile(30 * MiB)
    let killed = false
    let restarted: Promise<void> | undefined
    const { done } = tusUpload(data, {
      endpoint: `http://127.0.0.1:${port}/files`,
      userId: 'erin',
      chunkSize: 10 * MiB,
      // Retries until the restarted server answers, however long a loaded machine takes to
      // start it (a fixed ~23 s schedule ran out under load); the test timeout is the safety net.
      retryDelays: Array.from({ length: 1200 }, () => 250),
      onProgress: (sent) => {
        if (!killed && sent >= 13 * MiB) {
          killed = true
          restarted = server.stop('SIGKILL').then(async () => {
            server = await start(port)
          })
        }
      },
    })
    const { url } = await done
    await restarted
    expect(killed).toBe(true)
    await expectStored(url, data)
  })

  it('serves one upload from two instances whose PATCHes alternate', async () => {
    const [a, b] = await Promise.all([start(await freePort()), start(await freePort())])
    const ports = [a.port, b.port]
    const seen: number[] = []
    let turn = 0
    const inner = new DefaultHttpStack({})
    // Sends every request of the upload to the other instance than the one before.
    const alternating: HttpStack = {
      getName: () => 'alternating',
      createRequest(method, url) {
        const target = new URL(url)
        const port = ports[turn++ % 2] as number
        target.port = String(port)
        if (method === 'PATCH') seen.push(port)
        return inner.createRequest(method, target.toString())
      },
    }
    const data = randomFile(22 * MiB)
    const { done } = tusUpload(data, {
      endpoint: `http://127.0.0.1:${a.port}/files`,
      userId: 'frank',
      chunkSize: 6 * MiB,
      httpStack: alternating,
    })
    const { url } = await done
    expect(new Set(seen)).toEqual(new Set(ports))
    expect(seen.length).toBeGreaterThanOrEqual(4)
    await expectStored(url, data)
  })
})
