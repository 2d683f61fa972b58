import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { waitFor } from '@uplink/testing'
import { sql } from 'kysely'
import * as tus from 'tus-js-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

// The whole path: a real MP4 made by ffmpeg, uploaded by tus, checked by the server's worker
// (ffprobe and ffmpeg over a signed GET), then read back through documents.byId.
let h: Harness
let noProbe: Harness
let mp4: Buffer
beforeAll(async () => {
  const worker = { UPLINK_WORKER: 'true', UPLINK_RECONCILE_INTERVAL_MINUTES: '0' }
  ;[h, noProbe, mp4] = await Promise.all([
    startHarness(worker),
    startHarness({ ...worker, UPLINK_FFPROBE_PATH: '/nonexistent/bin/ffprobe' }),
    testMp4(),
  ])
})
afterAll(async () => {
  // Rule 2: ffprobe echoes its input URL in errors; none may reach a log line or a column.
  for (const harness of [h, noProbe]) {
    const stored = await sql<{ n: number }>`select count(*)::int as n from documents
      where documents::text like '%X-Amz-Signature%'`.execute(harness.services.db)
    expect(stored.rows[0]?.n).toBe(0)
    expect(harness.logs.join('\n')).not.toContain('X-Amz-Signature')
  }
  await Promise.all([h?.close(), noProbe?.close()])
})

async function testMp4(): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'uplink-video-'))
  try {
    await promisify(execFile)('ffmpeg', [
      ...['-v', 'error', '-nostdin'],
      ...['-f', 'lavfi', '-i', 'testsrc=duration=5:size=320x240:rate=25'],
      ...['-f', 'lavfi', '-i', 'sine=duration=5'],
      ...['-shortest', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', join(dir, 'a.mp4')],
    ])
    return await readFile(join(dir, 'a.mp4'))
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

async function tusUpload(harness: Harness, userId: string, body: Buffer): Promise<string> {
  const token = await harness.token(userId)
  let id: string | null = null
  await new Promise<void>((resolve, reject) => {
    new tus.Upload(body, {
      endpoint: `${harness.baseUrl}/files`,
      headers: { Authorization: `Bearer ${token}` },
      metadata: { filename: 'talk.mp4', filetype: 'video/mp4', purpose: 'video' },
      retryDelays: [],
      onAfterResponse: (_req, res) => {
        id ??= res.getHeader('Uplink-Document-Id') ?? null
      },
      onSuccess: () => resolve(),
      onError: reject,
    }).start()
  })
  if (!id) throw new Error('no Uplink-Document-Id')
  return id
}

async function settled(harness: Harness, userId: string, id: string) {
  const api = await harness.client(userId)
  return waitFor(
    async () => {
      const doc = await api.documents.byId.query({ id })
      return doc.status !== 'uploaded' && doc.status !== 'pending' && doc
    },
    { what: `document ${id} to settle` },
  )
}

describe('video facts and posters', () => {
  it('a tus-uploaded MP4 becomes ready with its facts, and byId gives a poster URL that serves a JPEG', async () => {
    const id = await tusUpload(h, 'vera', mp4)
    const doc = await settled(h, 'vera', id)
    expect(doc).toMatchObject({
      status: 'ready',
      scanNote: null,
      video: { width: 320, height: 240, videoCodec: 'h264', audioCodec: 'aac' },
    })
    expect(doc.video?.durationSeconds).toBeCloseTo(5, 0)
    expect(doc.video?.bitrate).toBeGreaterThan(0)
    expect(doc.posterUrl).toMatch(/X-Amz-Signature=/)

    const res = await fetch(doc.posterUrl!)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/jpeg')
    expect(res.headers.get('content-disposition')).toMatch(/^inline; filename="talk\.poster\.jpg"/)
    const jpeg = Buffer.from(await res.arrayBuffer())
    expect([...jpeg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff])

    const page = await (await h.client('vera')).documents.list.query({ limit: 10 })
    expect(page.items.find((d) => d.id === id)?.posterUrl).toMatch(/\.poster\.jpg\?/)
  })

  it('someone else cannot see the video or its poster URL', async () => {
    const id = await tusUpload(h, 'vera', mp4)
    await settled(h, 'vera', id)
    const other = await h.client('mallory')
    await expect(other.documents.byId.query({ id })).rejects.toMatchObject({
      data: { code: 'NOT_FOUND' },
    })
  })

  it('deleting the video deletes its poster object too', async () => {
    const id = await tusUpload(h, 'vera', mp4)
    const doc = await settled(h, 'vera', id)
    expect((await fetch(doc.posterUrl!)).status).toBe(200)
    await (await h.client('vera')).documents.delete.mutate({ id })
    const row = await h.services.db
      .selectFrom('documents')
      .select(['objectKey', 'posterKey'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow()
    expect(row.posterKey).toBe(`${row.objectKey}.poster.jpg`)
    expect(await h.services.storage.head(row.posterKey!)).toBeUndefined()
    expect((await fetch(doc.posterUrl!)).status).toBe(404)
  })

  it('with UPLINK_FFPROBE_PATH pointing at nothing, the video is ready with a note and no facts', async () => {
    const id = await tusUpload(noProbe, 'vera', mp4)
    const doc = await settled(noProbe, 'vera', id)
    expect(doc).toMatchObject({
      status: 'ready',
      scanNote: 'video: not inspected (ffprobe is not installed)',
      video: null,
      posterUrl: null,
    })
    expect(noProbe.logs.join('\n')).toContain('video facts skipped: ffprobe not found')
  })
})
