import { randomUUID } from 'node:crypto'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { Upload } from '@tus/utils'
import { defaultPolicies, silentLogger } from '@uplink/core'
import { createDb, findDocumentById, insertPendingDocument, migrateToLatest } from '@uplink/db'
import { createStorage, objectKey } from '@uplink/storage'
import { storageSettings, testDatabase, testServices } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOnUploadFinish } from '../src/hooks/on-upload-finish.ts'

const { s3 } = testServices()
const storage = createStorage(storageSettings(s3))
let db: ReturnType<typeof createDb>
let onUploadFinish: ReturnType<typeof createOnUploadFinish>
beforeAll(async () => {
  db = createDb({ url: await testDatabase() })
  await migrateToLatest(db)
  onUploadFinish = createOnUploadFinish({
    db,
    storage,
    policies: defaultPolicies,
    log: silentLogger,
  })
})
afterAll(async () => {
  await db?.destroy()
  storage.destroy()
})

/** A pending tus row and an object as S3 holds it after CompleteMultipartUpload. */
async function finishedUpload(stored: { bytes: number; contentType: string }, declared: number) {
  const id = randomUUID()
  const key = objectKey({ ownerId: 'gina', purpose: 'video', documentId: id })
  await insertPendingDocument(db, {
    id,
    ownerId: 'gina',
    purpose: 'video',
    objectKey: key,
    filename: 'clip.mp4',
    contentType: 'video/mp4',
    sizeBytes: declared,
    method: 'tus',
    uploadRef: key,
    expiresAt: new Date(Date.now() + 60_000),
  })
  await storage.client.send(
    new PutObjectCommand({
      Bucket: storage.bucket,
      Key: key,
      Body: Buffer.alloc(stored.bytes, 7),
      ContentType: stored.contentType,
    }),
  )
  const upload = new Upload({ id: key, size: declared, offset: declared })
  return { id, key, upload }
}

const request = new Request('http://localhost/files')

describe('onUploadFinish', () => {
  it('rejects an object whose size differs from Upload-Length: 422, object deleted, row rejected', async () => {
    const { id, key, upload } = await finishedUpload({ bytes: 100, contentType: 'video/mp4' }, 120)
    const err = await onUploadFinish(request, upload).catch((e: unknown) => e)
    expect(err).toMatchObject({ status_code: 422 })
    expect((err as { body: string }).body).toContain('100 bytes but Upload-Length was 120')
    expect(await storage.head(key)).toBeUndefined()
    const doc = await findDocumentById(db, id)
    expect(doc?.status).toBe('rejected')
    expect(doc?.rejectionReason).toContain('Upload-Length')
  })

  it('accepts an object whose store dropped the Content-Type (downloads are signed with the declared type)', async () => {
    const { id, key, upload } = await finishedUpload(
      { bytes: 64, contentType: 'application/octet-stream' },
      64,
    )
    const res = await onUploadFinish(request, upload)
    expect(res.headers).toEqual({ 'Uplink-Document-Id': id })
    // No copy of the object (S3 copies only up to 5 GiB in one call): it is left as stored.
    expect((await storage.head(key))?.contentType).toBe('application/octet-stream')
    expect((await findDocumentById(db, id))?.status).toBe('uploaded')
    // Idempotent: a repeated finish answers the same.
    expect(await onUploadFinish(request, upload)).toEqual(res)
  })
})
