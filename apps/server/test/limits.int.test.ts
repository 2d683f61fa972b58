import { randomUUID } from 'node:crypto'
import { createDb, type Database } from '@uplink/db'
import { testDatabase } from '@uplink/testing'
import { type Kysely, sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

const MiB = 1024 * 1024
const image = (size: number) => ({
  purpose: 'image',
  filename: 'a.png',
  contentType: 'image/png',
  size,
})
const video = (size: number) => ({
  purpose: 'video',
  filename: 'clip.mp4',
  contentType: 'video/mp4',
  size,
})

interface Answer {
  status: number
  retryAfter: string | null
  message: string
  code?: string
  data?: Record<string, unknown>
}

/** A tRPC mutation over plain HTTP, so the test sees the status and headers a client gets. */
async function mutate(h: Harness, user: string, path: string, input: unknown): Promise<Answer> {
  const res = await fetch(`${h.baseUrl}/trpc/${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await h.token(user)}`, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  })
  return answer(res)
}

async function answer(res: Response): Promise<Answer> {
  const body = (await res.json()) as {
    result?: { data: Record<string, unknown> }
    error?: { message: string; data: { code: string } }
  }
  return {
    status: res.status,
    retryAfter: res.headers.get('retry-after'),
    message: body.error?.message ?? '',
    ...(body.error ? { code: body.error.data.code } : {}),
    ...(body.result ? { data: body.result.data } : {}),
  }
}

const b64 = (s: string) => Buffer.from(s).toString('base64')

/** A tus creation request (no body) as tus-js-client would send it. */
async function tusCreate(h: Harness, user: string, meta: ReturnType<typeof image>) {
  const res = await fetch(`${h.baseUrl}/files`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await h.token(user)}`,
      'Tus-Resumable': '1.0.0',
      'Upload-Length': String(meta.size),
      'Upload-Metadata': `filename ${b64(meta.filename)},filetype ${b64(meta.contentType)},purpose ${b64(meta.purpose)}`,
    },
  })
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.text() }
}

describe('per-user quotas', () => {
  let h: Harness
  beforeAll(async () => {
    h = await startHarness({
      UPLINK_QUOTA_PENDING_UPLOADS: '3',
      UPLINK_QUOTA_UNFINISHED_UPLOADS: '2',
      UPLINK_QUOTA_BYTES_IN_FLIGHT: String(3 * MiB),
      UPLINK_QUOTA_STORED_BYTES_PER_PURPOSE: String(2 * MiB),
      UPLINK_RATE_LIMIT_UPLOADS: 'off',
    })
  })
  afterAll(async () => {
    await h?.close()
  })

  it('refuses a fourth pending upload with 403 naming UPLINK_QUOTA_PENDING_UPLOADS, on every route', async () => {
    const user = `pending-${randomUUID()}`
    for (let i = 0; i < 3; i++) {
      expect((await mutate(h, user, 'uploads.presignPut', image(10))).status).toBe(200)
    }
    const put = await mutate(h, user, 'uploads.presignPut', image(10))
    expect(put.status).toBe(403)
    expect(put.code).toBe('FORBIDDEN')
    expect(put.message).toMatch(
      /you have 3 pending uploads.*UPLINK_QUOTA_PENDING_UPLOADS=3.*delete/,
    )
    const post = await mutate(h, user, 'uploads.presignPost', image(10))
    expect([post.status, post.message]).toEqual([403, put.message])
    const multipart = await mutate(h, user, 'multipart.create', video(MiB))
    expect([multipart.status, multipart.message]).toEqual([403, put.message])
    const tus = await tusCreate(h, user, image(10))
    expect(tus.status).toBe(403)
    expect(tus.body).toMatch(/UPLINK_QUOTA_PENDING_UPLOADS/)
    // Another user is not affected.
    expect((await mutate(h, `other-${randomUUID()}`, 'uploads.presignPut', image(10))).status).toBe(
      200,
    )
  })

  it('lets exactly UPLINK_QUOTA_PENDING_UPLOADS of many concurrent starts through', async () => {
    const user = `race-${randomUUID()}`
    const statuses = await Promise.all([
      ...Array.from({ length: 5 }, () =>
        mutate(h, user, 'uploads.presignPut', image(10)).then((a) => a.status),
      ),
      ...Array.from({ length: 5 }, () => tusCreate(h, user, image(10)).then((a) => a.status)),
    ])
    expect(statuses.filter((s) => s === 200 || s === 201)).toHaveLength(3)
    expect(statuses.filter((s) => s === 403)).toHaveLength(7)
  })

  it('refuses a third unfinished multipart/tus upload until one is aborted', async () => {
    const user = `unfinished-${randomUUID()}`
    const first = await mutate(h, user, 'multipart.create', video(MiB))
    expect(first.status).toBe(200)
    expect((await tusCreate(h, user, image(10))).status).toBe(201)
    const multipart = await mutate(h, user, 'multipart.create', video(MiB))
    expect(multipart.status).toBe(403)
    expect(multipart.message).toMatch(
      /2 unfinished multipart\/tus uploads.*UPLINK_QUOTA_UNFINISHED_UPLOADS=2.*abort/,
    )
    const tus = await tusCreate(h, user, image(10))
    expect(tus.status).toBe(403)
    expect(tus.body).toMatch(/UPLINK_QUOTA_UNFINISHED_UPLOADS/)
    // A single PUT is not an unfinished upload; it still counts as pending (2 + 1 = 3).
    expect((await mutate(h, user, 'uploads.presignPut', image(10))).status).toBe(200)

    const documentId = (first.data as { documentId: string }).documentId
    expect((await mutate(h, user, 'multipart.abort', { documentId })).status).toBe(200)
    expect((await mutate(h, user, 'documents.delete', { id: documentId })).status).toBeLessThan(500)
    expect((await mutate(h, user, 'multipart.create', video(MiB))).status).toBe(200)
  })

  it('refuses an upload that would put more than UPLINK_QUOTA_BYTES_IN_FLIGHT in flight', async () => {
    const user = `bytes-${randomUUID()}`
    expect((await mutate(h, user, 'uploads.presignPut', image(2 * MiB))).status).toBe(200)
    const multipart = await mutate(h, user, 'multipart.create', video(2 * MiB))
    expect(multipart.status).toBe(403)
    expect(multipart.message).toBe(
      `this upload of ${2 * MiB} bytes would bring your pending uploads to ${4 * MiB} bytes, over the limit of ${3 * MiB} (UPLINK_QUOTA_BYTES_IN_FLIGHT); finish or abort some first`,
    )
    const tus = await tusCreate(h, user, video(2 * MiB))
    expect(tus.status).toBe(403)
    expect(tus.body).toMatch(/UPLINK_QUOTA_BYTES_IN_FLIGHT/)
    // Up to the limit exactly is allowed.
    expect((await mutate(h, user, 'uploads.presignPut', image(MiB))).status).toBe(200)
  })

  it('refuses an upload over UPLINK_QUOTA_STORED_BYTES_PER_PURPOSE, counting only that purpose', async () => {
    const user = `stored-${randomUUID()}`
    const size = 1.5 * MiB
    const signed = await mutate(h, user, 'uploads.presignPut', image(size))
    const { documentId, url, headers } = signed.data as {
      documentId: string
      url: string
      headers: Record<string, string>
    }
    const put = await fetch(url, { method: 'PUT', headers, body: Buffer.alloc(size, 1) })
    expect(put.status).toBe(200)
    expect((await mutate(h, user, 'uploads.confirm', { documentId })).status).toBe(200)

    const again = await mutate(h, user, 'uploads.presignPut', image(MiB))
    expect(again.status).toBe(403)
    expect(again.message).toBe(
      `this upload of ${MiB} bytes would bring your stored "image" documents to ${size + MiB} bytes, over the limit of ${2 * MiB} (UPLINK_QUOTA_STORED_BYTES_PER_PURPOSE); delete some first`,
    )
    const tus = await tusCreate(h, user, image(MiB))
    expect(tus.status).toBe(403)
    expect(tus.body).toMatch(/UPLINK_QUOTA_STORED_BYTES_PER_PURPOSE/)
    const pdf = {
      purpose: 'document',
      filename: 'a.pdf',
      contentType: 'application/pdf',
      size: MiB,
    }
    expect((await mutate(h, user, 'uploads.presignPut', pdf)).status).toBe(200)
  })

  it('answers 400 with a message, never 500, for forged documents.list cursors', async () => {
    const user = `cursor-${randomUUID()}`
    for (let i = 0; i < 2; i++) await mutate(h, user, 'uploads.presignPut', image(10))
    const token = await h.token(user)
    const list = async (cursor: string) => {
      const input = encodeURIComponent(JSON.stringify({ cursor, limit: 1 }))
      const res = await fetch(`${h.baseUrl}/trpc/documents.list?input=${input}`, {
        headers: { authorization: `Bearer ${token}` },
      })
      return answer(res)
    }
    const first = await list('')
    const next = (first.data as { nextCursor: string }).nextCursor
    expect(next).toBeTruthy()
    expect((await list(next)).status).toBe(200)

    const url64 = (s: string) => Buffer.from(s).toString('base64url')
    const id = randomUUID()
    const forged = [
      'not base64 at all!!',
      url64('null'),
      url64('{"a":1}'),
      url64('[1,2]'),
      url64('["2026-01-01T00:00:00.000Z","not-a-uuid"]'),
      url64(`["2026-01-01T00:00:00.000Z","${id}","extra"]`),
      url64(`["-100000-01-01T00:00:00.000Z","${id}"]`),
      url64(`["+275760-09-13T00:00:00.000Z","${id}"]`),
      url64(`["yesterday","${id}"]`),
      `${next.slice(0, -2)}`,
    ]
    for (const cursor of forged) {
      const res = await list(cursor)
      expect([cursor, res.status, res.code]).toEqual([cursor, 400, 'BAD_REQUEST'])
      expect(res.message).toMatch(/cursor is not one this API returned; pass back nextCursor/)
    }
  })
})

describe('with every quota off', () => {
  let h: Harness
  let db: Kysely<Database>
  beforeAll(async () => {
    const databaseUrl = await testDatabase()
    h = await startHarness({
      DATABASE_URL: databaseUrl,
      UPLINK_QUOTA_PENDING_UPLOADS: '0',
      UPLINK_QUOTA_UNFINISHED_UPLOADS: '0',
      UPLINK_QUOTA_BYTES_IN_FLIGHT: '0',
      UPLINK_QUOTA_STORED_BYTES_PER_PURPOSE: '0',
      UPLINK_RATE_LIMIT_UPLOADS: 'off',
    })
    db = createDb({ url: databaseUrl })
  })
  afterAll(async () => {
    await db?.destroy()
    await h?.close()
  })

  it("starts one user's concurrent uploads without the per-owner quota lock", async () => {
    const user = `unlimited-${randomUUID()}`
    // Another session holds this user's quota lock throughout: a start that took it would wait.
    const statuses = await db.connection().execute(async (conn) => {
      const key = sql`hashtextextended(${`uplink-quota:${user}`}, 0)`
      await sql`select pg_advisory_lock(${key})`.execute(conn)
      try {
        return await Promise.all([
          ...Array.from({ length: 20 }, () =>
            mutate(h, user, 'uploads.presignPut', image(10)).then((a) => a.status),
          ),
          ...Array.from({ length: 5 }, () => tusCreate(h, user, image(10)).then((a) => a.status)),
        ])
      } finally {
        await sql`select pg_advisory_unlock(${key})`.execute(conn)
      }
    })
    expect(statuses.filter((s) => s === 200)).toHaveLength(20)
    expect(statuses.filter((s) => s === 201)).toHaveLength(5)
  })
})

describe('the upload rate limit', () => {
  let a: Harness
  let b: Harness
  beforeAll(async () => {
    // Two instances on one Postgres: the limit is in the database, not in either process.
    const env = { DATABASE_URL: await testDatabase(), UPLINK_RATE_LIMIT_UPLOADS: '4/30' }
    a = await startHarness(env)
    b = await startHarness(env)
  })
  afterAll(async () => {
    await a?.close()
    await b?.close()
  })

  it('answers 429 with Retry-After once a user started 4 uploads across two instances', async () => {
    const user = `rate-${randomUUID()}`
    expect((await mutate(a, user, 'uploads.presignPut', image(10))).status).toBe(200)
    expect((await mutate(b, user, 'uploads.presignPost', image(10))).status).toBe(200)
    expect((await mutate(a, user, 'multipart.create', video(MiB))).status).toBe(200)
    expect((await tusCreate(b, user, image(10))).status).toBe(201)

    const put = await mutate(b, user, 'uploads.presignPut', image(10))
    expect(put.status).toBe(429)
    expect(put.code).toBe('TOO_MANY_REQUESTS')
    expect(put.message).toMatch(
      /at most 4 upload starts per 30 s \(UPLINK_RATE_LIMIT_UPLOADS\); retry in \d+ s/,
    )
    const wait = Number(put.retryAfter)
    expect(wait).toBeGreaterThanOrEqual(1)
    expect(wait).toBeLessThanOrEqual(30)

    const tus = await tusCreate(a, user, image(10))
    expect(tus.status).toBe(429)
    expect(Number(tus.retryAfter)).toBeGreaterThanOrEqual(1)
    expect(tus.body).toMatch(/UPLINK_RATE_LIMIT_UPLOADS/)
    const multipart = await mutate(a, user, 'multipart.create', video(MiB))
    expect([multipart.status, multipart.retryAfter !== null]).toEqual([429, true])

    // The limit is per user.
    expect((await mutate(a, `rate-${randomUUID()}`, 'uploads.presignPut', image(10))).status).toBe(
      200,
    )
  })
})
