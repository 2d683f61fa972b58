import { defaultPolicies, type Policies } from '@uplink/core'
import { findDocumentById, transitionDocument } from '@uplink/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkContent } from '../src/content-check.ts'
import { reconcile } from '../src/reconcile.ts'
import type { VideoTools } from '../src/video/inspect-video.ts'
import { pendingDocument, putObject } from './support/documents.ts'
import { type TestEnv, testEnv } from './support/env.ts'
import { fakeMp4, isJpeg, testMp4 } from './support/videos.ts'

// Real ffprobe and ffmpeg reading real objects from the test S3 through signed GETs.
let env: TestEnv
let mp4: Buffer
beforeAll(async () => {
  ;[env, mp4] = await Promise.all([testEnv(), testMp4(5)])
})
afterAll(() => env.close())

async function uploadedVideo(body: Uint8Array) {
  const doc = await pendingDocument(env.db, { body, contentType: 'video/mp4', purpose: 'video' })
  await putObject(env.storage, doc.objectKey, body, 'video/mp4')
  await transitionDocument(env.db, doc.id, { to: 'uploaded', set: { confirmedAt: new Date() } })
  return doc
}

const deps = (video: VideoTools = {}, policies: Policies = defaultPolicies) => ({
  ...env,
  policies,
  video,
})

async function bytesOf(key: string) {
  const stream = await env.storage.readStream(key)
  if (!stream) return undefined
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

describe('video facts and poster', () => {
  it('makes a real MP4 ready with its duration, size, codecs and bitrate, and stores a JPEG poster', async () => {
    const doc = await uploadedVideo(mp4)
    expect(await checkContent(deps(), doc.id)).toEqual({ outcome: 'ready' })
    const row = await findDocumentById(env.db, doc.id)
    expect(row).toMatchObject({
      status: 'ready',
      videoWidth: 320,
      videoHeight: 240,
      videoCodec: 'h264',
      videoAudioCodec: 'aac',
      posterKey: `${doc.objectKey}.poster.jpg`,
      scanNote: null,
    })
    expect(row?.videoDurationSeconds).toBeGreaterThan(4.9)
    expect(row?.videoDurationSeconds).toBeLessThan(5.1)
    expect(row?.videoBitrate).toBeGreaterThan(10_000)
    const poster = await bytesOf(`${doc.objectKey}.poster.jpg`)
    expect(poster && isJpeg(poster)).toBe(true)
    expect((await env.storage.head(`${doc.objectKey}.poster.jpg`))?.contentType).toBe('image/jpeg')
  })

  it('rejects an mp4 header followed by random bytes as not a playable video, logging no signed URL', async () => {
    const doc = await uploadedVideo(fakeMp4())
    expect((await checkContent(deps(), doc.id)).outcome).toBe('rejected')
    const row = await findDocumentById(env.db, doc.id)
    expect(row?.rejectionReason).toBe('not a playable video')
    expect(row?.posterKey).toBeNull()
    expect(await env.storage.head(doc.objectKey)).toBeUndefined()
    const logged = JSON.stringify(env.log.lines)
    expect(logged).toContain('ffprobe found no playable video')
    expect(logged).not.toMatch(/X-Amz-(Signature|Credential)/)
  })

  it('rejects a video longer than the purpose allows, naming both durations', async () => {
    const policies = {
      ...defaultPolicies,
      video: { ...defaultPolicies.video!, maxDurationSeconds: 3 },
    }
    const doc = await uploadedVideo(mp4)
    expect((await checkContent(deps({}, policies), doc.id)).outcome).toBe('rejected')
    const row = await findDocumentById(env.db, doc.id)
    expect(row?.rejectionReason).toBe(
      'the video is 5 seconds long, longer than the 3 seconds allowed for purpose "video"',
    )
    expect(await env.storage.head(doc.objectKey)).toBeUndefined()
    expect(await env.storage.head(`${doc.objectKey}.poster.jpg`)).toBeUndefined()
  })

  it('skips the step with a note, and still makes the video ready, when ffprobe is missing', async () => {
    const doc = await uploadedVideo(mp4)
    const result = await checkContent(deps({ ffprobePath: '/nonexistent/ffprobe' }), doc.id)
    expect(result).toEqual({
      outcome: 'ready',
      scanNote: 'video: not inspected (ffprobe is not installed)',
    })
    const row = await findDocumentById(env.db, doc.id)
    expect(row).toMatchObject({
      status: 'ready',
      scanNote: 'video: not inspected (ffprobe is not installed)',
      videoDurationSeconds: null,
      posterKey: null,
    })
    expect(env.log.lines.some((l) => l.msg === 'video facts skipped: ffprobe not found')).toBe(true)
  })

  it('keeps the facts but notes the missing poster when ffmpeg is missing', async () => {
    const doc = await uploadedVideo(mp4)
    await checkContent(deps({ ffmpegPath: '/nonexistent/ffmpeg' }), doc.id)
    const row = await findDocumentById(env.db, doc.id)
    expect(row).toMatchObject({
      status: 'ready',
      videoCodec: 'h264',
      posterKey: null,
      scanNote: 'poster: not made (ffmpeg is not installed)',
    })
    expect(await env.storage.head(`${doc.objectKey}.poster.jpg`)).toBeUndefined()
  })

  it('leaves non-video purposes alone', async () => {
    const doc = await pendingDocument(env.db, {
      body: mp4,
      contentType: 'video/mp4',
      purpose: 'clip',
    })
    await putObject(env.storage, doc.objectKey, mp4, 'video/mp4')
    await transitionDocument(env.db, doc.id, { to: 'uploaded', set: { confirmedAt: new Date() } })
    const policies = { ...defaultPolicies, clip: defaultPolicies.video! }
    expect((await checkContent(deps({}, policies), doc.id)).outcome).toBe('ready')
    expect((await findDocumentById(env.db, doc.id))?.videoCodec).toBeNull()
  })

  it('reconcile keeps the poster of a live video and deletes the poster of a deleted one', async () => {
    const doc = await uploadedVideo(mp4)
    await checkContent(deps(), doc.id)
    const poster = `${doc.objectKey}.poster.jpg`
    const options = { dryRun: true, orphanGraceMs: 0, multipartMaxAgeMs: 86_400_000 }
    const before = await reconcile({ ...env, policies: defaultPolicies }, options)
    expect(before.orphansDeleted).not.toContain(poster)
    await transitionDocument(env.db, doc.id, { to: 'deleted' })
    const after = await reconcile({ ...env, policies: defaultPolicies }, options)
    expect(after.orphansDeleted).toContain(poster)
  })
})
