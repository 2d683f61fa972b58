import { createHash, randomUUID } from 'node:crypto'
import {
  assumeRole,
  type RunningS3,
  startMinio,
  storageSettings,
  type TemporaryCredentials,
} from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { credentialProvider, REFRESH_BEFORE_EXPIRY_MS } from '../src/credentials.ts'
import { createLeanS3 } from '../src/lean-s3.ts'

// The lean client signs with temporary credentials minted by a real STS endpoint (MinIO's
// AssumeRole), and with the new ones once the provider refreshes them.
let minio: RunningS3
beforeAll(async () => {
  minio = await startMinio()
}, 180_000)
afterAll(() => minio?.stop())

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64')

describe('the lean S3 client with temporary credentials (STS AssumeRole on MinIO)', () => {
  it('signs every hot call with the session token, and with the refreshed credentials once they near expiry', async () => {
    const minted: TemporaryCredentials[] = []
    let now = Date.now()
    const credentials = credentialProvider(
      async () => {
        minted.push(await assumeRole(minio))
        return minted.at(-1)!
      },
      () => now,
    )
    const config = storageSettings(minio)
    const lean = createLeanS3(config, credentials)
    const Bucket = config.bucket
    const Key = `alice/document/${randomUUID()}/ü ber.pdf`
    try {
      const { UploadId } = await lean.createMultipartUpload({
        Bucket,
        Key,
        ChecksumAlgorithm: 'SHA256',
      })
      const part = Buffer.from('temporary credentials')
      const sent = await lean.uploadPart({
        Bucket,
        Key,
        UploadId,
        PartNumber: 1,
        Body: part,
        ChecksumSHA256: sha256(part),
      })
      expect(minted).toHaveLength(1)

      // Within the refresh margin of their expiration: the next call signs with new credentials.
      now = (minted[0]?.expiration?.getTime() ?? now) - REFRESH_BEFORE_EXPIRY_MS + 1000
      const listed = await lean.listParts({ Bucket, Key, UploadId })
      expect(minted).toHaveLength(2)
      expect(minted[1]?.sessionToken).not.toBe(minted[0]?.sessionToken)
      expect(listed.Parts?.map((p) => p.ETag)).toEqual([sent.ETag])
      await lean.completeMultipartUpload({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: {
          Parts: [{ PartNumber: 1, ETag: sent.ETag, ChecksumSHA256: sha256(part) }],
        },
      })
      expect((await lean.headObject({ Bucket, Key })).ContentLength).toBe(part.length)
      await lean.putObject({ Bucket, Key: `${Key}.info`, Body: '{}' })
      await lean.deleteObject({ Bucket, Key: `${Key}.info` })
      await lean.deleteObject({ Bucket, Key })
    } finally {
      lean.destroy()
    }
  })

  it('is refused (403) when the session token is left out, so the token is what signs', async () => {
    const temporary = await assumeRole(minio)
    const config = storageSettings(minio)
    const lean = createLeanS3(config, async () => ({ ...temporary, sessionToken: undefined }))
    try {
      const err = (await lean
        .headObject({ Bucket: config.bucket, Key: 'anything' })
        .catch((e: unknown) => e)) as { $metadata?: { httpStatusCode?: number } }
      expect(err.$metadata?.httpStatusCode).toBe(403)
    } finally {
      lean.destroy()
    }
  })
})
