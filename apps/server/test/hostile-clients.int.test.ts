import { createHash, randomBytes } from 'node:crypto'
import http from 'node:http'
import { waitFor } from '@uplink/testing'
import { sql } from 'kysely'
import * as tus from 'tus-js-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

const MiB = 1024 * 1024
const IDLE = 100

let h: Harness
beforeAll(async () => {
  h = await startHarness({
    UPLINK_TUS_PART_SIZE: String(5 * MiB),
    // A pool far smaller than the idle PATCHes: they must not need a connection each.
    DATABASE_POOL_SIZE: '10',
    UPLINK_TUS_MAX_PART_UPLOADS: '4',
    // The stalled PATCHes stay until the test ends them, however slow the machine.
    UPLINK_IDLE_TIMEOUT_SECONDS: '3600',
  })
})
afterAll(() => h?.close())

async function advisoryLocksHeld(): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    select count(*)::int as n from pg_locks
    where locktype = 'advisory' and granted
      and database = (select oid from pg_database where datname = current_database())`.execute(
    h.services.db,
  )
  return rows[0]?.n ?? 0
}

const b64 = (s: string) => Buffer.from(s).toString('base64')
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')

async function createUpload(token: string, size: number) {
  const res = await fetch(`${h.baseUrl}/files`, {
    method: 'POST',
    headers: {
      'Tus-Resumable': '1.0.0',
      Authorization: `Bearer ${token}`,
      'Upload-Length': String(size),
      'Upload-Metadata': `filename ${b64('idle.mp4')},filetype ${b64('video/mp4')},purpose ${b64('video')}`,
    },
  })
  expect(res.status).toBe(201)
  return new URL(res.headers.get('location') ?? '', h.baseUrl).toString()
}

/** Sends headers and one byte of a 20 MiB PATCH, then nothing: a stalled client. */
function idlePatch(url: string, token: string) {
  const req = http.request(url, {
    method: 'PATCH',
    agent: false,
    headers: {
      'Tus-Resumable': '1.0.0',
      Authorization: `Bearer ${token}`,
      'Upload-Offset': '0',
      'Content-Type': 'application/offset+octet-stream',
      'Content-Length': String(20 * MiB),
    },
  })
  req.on('error', () => {})
  req.write(Buffer.alloc(1))
  return req
}

function tusUpload(data: Buffer, token: string) {
  return new Promise<string>((resolve, reject) => {
    const upload = new tus.Upload(data, {
      endpoint: `${h.baseUrl}/files`,
      headers: { Authorization: `Bearer ${token}` },
      metadata: { filename: 'clip.mp4', filetype: 'video/mp4', purpose: 'video' },
      retryDelays: [],
      onSuccess: () => resolve(upload.url ?? ''),
      onError: reject,
    })
    upload.start()
  })
}

describe('hostile clients', () => {
  it(`${IDLE} stalled PATCHes leave a normal user's upload and API calls working`, async () => {
    const idle = await Promise.all(
      Array.from({ length: IDLE }, async (_, i) => {
        const token = await h.token(`idle-${i}`)
        return idlePatch(await createUpload(token, 20 * MiB), token)
      }),
    )
    try {
      // Every stalled PATCH has reached the server and holds its upload's advisory lock.
      await waitFor(async () => (await advisoryLocksHeld()) >= IDLE, {
        what: `${IDLE} stalled PATCHes to hold their locks`,
      })
      const token = await h.token('normal')
      const api = await h.client('normal')
      const signed = await api.uploads.presignPut.mutate({
        purpose: 'document',
        filename: 'a.pdf',
        contentType: 'application/pdf',
        size: 10,
      })
      expect(signed.documentId).toBeTruthy()
      const list = await api.documents.list.query({})
      expect(list.items.length).toBeGreaterThan(0)
      const data = randomBytes(12 * MiB)
      const url = await tusUpload(data, token)
      // Served beside them, not after them: the stalled PATCHes still hold their locks.
      expect(await advisoryLocksHeld()).toBeGreaterThanOrEqual(IDLE)
      const id = new URL(url).pathname.split('/').pop() ?? ''
      const res = await fetch(`${h.baseUrl}/documents/${id}/download`, {
        headers: { Authorization: `Bearer ${token}` },
        redirect: 'manual',
      })
      expect(res.status).toBe(302)
      const body = Buffer.from(await (await fetch(res.headers.get('location') ?? '')).arrayBuffer())
      expect(sha256(body)).toBe(sha256(data))
    } finally {
      for (const req of idle) req.destroy()
    }
  })
})
