import { assumeRole, type RunningS3, startMinio } from '@uplink/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type Harness, startHarness } from './support/harness.ts'

// The whole server on MinIO with temporary credentials from its STS (S3_SESSION_TOKEN), and web
// origins set: MinIO has no per-bucket CORS.
let minio: RunningS3
let h: Harness
beforeAll(async () => {
  minio = await startMinio()
  const temporary = await assumeRole(minio)
  h = await startHarness({
    S3_ENDPOINT: minio.endpoint,
    S3_REGION: minio.region,
    S3_BUCKET: minio.bucket,
    S3_ACCESS_KEY_ID: temporary.accessKeyId,
    S3_SECRET_ACCESS_KEY: temporary.secretAccessKey,
    S3_SESSION_TOKEN: temporary.sessionToken,
    UPLINK_WEB_ORIGINS: 'http://app.uplink.test',
  })
}, 180_000)
afterAll(async () => {
  await h?.close()
  await minio?.stop()
})

const b64 = (s: string) => Buffer.from(s).toString('base64')

it('runs on a store without per-bucket CORS, warning what to configure on the store', async () => {
  expect((await fetch(`${h.baseUrl}/readyz`)).status).toBe(200)
  const warning = h.logs.find((line) => line.includes('no per-bucket CORS'))
  expect(warning).toContain('cors_allowed_origin=http://app.uplink.test')
})

it('presigns, confirms and takes a tus POST with a session token (S3_SESSION_TOKEN)', async () => {
  const api = await h.client('alice')
  const body = Buffer.from('%PDF-1.7\n% temporary credentials\n')
  const signed = await api.uploads.presignPut.mutate({
    purpose: 'document',
    filename: 'a.pdf',
    contentType: 'application/pdf',
    size: body.length,
  })
  expect(new URL(signed.url).searchParams.get('X-Amz-Security-Token')).toBeTruthy()
  const put = await fetch(signed.url, { method: 'PUT', headers: signed.headers, body })
  expect(put.status).toBe(200)
  const confirmed = await api.uploads.confirm.mutate({ documentId: signed.documentId })
  expect(confirmed.status).toBe('uploaded')

  const tus = await fetch(`${h.baseUrl}/files`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await h.token('alice')}`,
      'Tus-Resumable': '1.0.0',
      'Upload-Length': '10',
      'Upload-Metadata': `filename ${b64('clip.mp4')},filetype ${b64('video/mp4')},purpose ${b64('video')}`,
    },
  })
  expect(tus.status).toBe(201)
})
