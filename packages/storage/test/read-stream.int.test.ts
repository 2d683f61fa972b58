import { randomBytes, randomUUID } from 'node:crypto'
import { buffer } from 'node:stream/consumers'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { storageSettings, testServices } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createStorage, ObjectChangedError, objectKey } from '../src/index.ts'

const { s3 } = testServices()
const storage = createStorage(storageSettings(s3))
afterAll(() => storage.destroy())

const key = objectKey({ ownerId: 'alice', purpose: 'document', documentId: randomUUID() })
const body = randomBytes(256 * 1024)
let etag: string
beforeAll(async () => {
  await storage.client.send(new PutObjectCommand({ Bucket: storage.bucket, Key: key, Body: body }))
  etag = (await storage.head(key))!.etag!
})

describe('readStream', () => {
  it('reads one inclusive byte range', async () => {
    const part = await storage.readStream(key, { range: { start: 1000, end: 1999 } })
    expect((await buffer(part!)).equals(body.subarray(1000, 2000))).toBe(true)
  })

  it('reads under a matching If-Match and throws ObjectChangedError for another ETag', async () => {
    const same = await storage.readStream(key, { ifMatch: etag })
    expect((await buffer(same!)).equals(body)).toBe(true)
    await expect(storage.readStream(key, { ifMatch: '"0123456789abcdef"' })).rejects.toBeInstanceOf(
      ObjectChangedError,
    )
  })

  it('answers undefined for a missing object and rejects once its signal is aborted', async () => {
    expect(await storage.readStream(`${key}-missing`)).toBeUndefined()
    const abort = new AbortController()
    abort.abort()
    await expect(storage.readStream(key, { signal: abort.signal })).rejects.toThrow()
  })
})
