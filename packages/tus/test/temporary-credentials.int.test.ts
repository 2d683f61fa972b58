import { assumeRole, type RunningS3, s3Client, startMinio, testDatabase } from '@uplink/testing'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { type RunningApp, startApp } from './fixtures/app.ts'
import { keyOf, MiB, objectSha256, randomFile, sha256, tusUpload } from './helpers.ts'

// Temporary credentials from a real STS (MinIO's AssumeRole), each said to be near its expiry so
// that every S3 call of the upload fetches a fresh set: the refresh path, many times over.
let minio: RunningS3
let app: RunningApp
const tokens = new Set<string>()
beforeAll(async () => {
  minio = await startMinio()
  app = await startApp({
    databaseUrl: await testDatabase(),
    s3: minio,
    credentials: async () => {
      const fresh = await assumeRole(minio)
      tokens.add(fresh.sessionToken)
      return { ...fresh, expiration: new Date(Date.now() + 200_000) }
    },
  })
}, 180_000)
afterAll(async () => {
  await app?.close()
  await minio?.stop()
})

it('keeps a tus upload going while its temporary credentials are refreshed', async () => {
  const data = randomFile(12 * MiB)
  const { done } = tusUpload(data, {
    endpoint: `${app.url}/files`,
    userId: 'alice',
    chunkSize: 5 * MiB,
  })
  const { url } = await done
  const root = s3Client(minio)
  try {
    const stored = await objectSha256(root, minio.bucket, keyOf(url))
    expect(stored).toEqual({ sha256: sha256(data), contentType: 'video/mp4', size: data.length })
  } finally {
    root.destroy()
  }
  // Three PATCHes, each with several S3 calls: many credential sets signed this one upload.
  expect(tokens.size).toBeGreaterThanOrEqual(3)
})
