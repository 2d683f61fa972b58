import { poolStats } from '@uplink/db'
import { testDatabase, testServices, waitFor } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'
import { startTcpRelay, type TcpRelay } from './support/tcp-relay.ts'

let h: Harness
let pgRelay: TcpRelay
let s3Relay: TcpRelay

const presign = async (token: string) =>
  fetch(`${h.baseUrl}/trpc/uploads.presignPut`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      purpose: 'document',
      filename: 'a.pdf',
      contentType: 'application/pdf',
      size: 10,
    }),
  })

beforeAll(async () => {
  const db = new URL(await testDatabase())
  pgRelay = await startTcpRelay(Number(db.port))
  db.port = String(pgRelay.port)
  const { s3 } = testServices()
  s3Relay = await startTcpRelay(Number(new URL(s3.endpoint).port))
  h = await startHarness({
    DATABASE_URL: db.toString(),
    S3_ENDPOINT: `http://127.0.0.1:${s3Relay.port}`,
  })
})
afterAll(async () => {
  await h?.close()
  await pgRelay?.close()
  await s3Relay?.close()
})

describe('when Postgres or S3 goes away', () => {
  it('keeps running while Postgres is down, answers 503 with Retry-After, and recovers by itself', async () => {
    const token = await h.token('olga')
    expect((await presign(token)).status).toBe(200)
    expect((await fetch(`${h.baseUrl}/readyz`)).status).toBe(200)

    // Idle pool connections are cut: without an error listener this kills the process.
    await pgRelay.down()
    await waitFor(
      'the pool to drop its cut connections',
      async () => poolStats(h.services.db)?.idle === 0,
    )
    const res = await presign(token)
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('5')
    expect(JSON.stringify(await res.json())).toContain('retry in a few seconds')
    const ready = await fetch(`${h.baseUrl}/readyz`)
    expect(ready.status).toBe(503)
    expect(await ready.json()).toMatchObject({ ok: false, s3: 'ok' })
    expect((await fetch(`${h.baseUrl}/healthz`)).status).toBe(200)

    await pgRelay.up()
    expect((await presign(token)).status).toBe(200)
    expect((await fetch(`${h.baseUrl}/readyz`)).status).toBe(200)
  })

  it('reports S3 down on /readyz and recovers when it returns', async () => {
    await s3Relay.down()
    const ready = await fetch(`${h.baseUrl}/readyz`)
    expect(ready.status).toBe(503)
    expect(await ready.json()).toMatchObject({ ok: false, postgres: 'ok' })
    await s3Relay.up()
    expect((await fetch(`${h.baseUrl}/readyz`)).status).toBe(200)
  })
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
