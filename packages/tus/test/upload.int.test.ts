import { HeadObjectCommand } from '@aws-sdk/client-s3'
import { findDocumentById } from '@uplink/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningApp, startApp } from './fixtures/app.ts'
import {
  bearer,
  freshConfig,
  keyOf,
  MiB,
  objectSha256,
  randomFile,
  sha256,
  tusUpload,
} from './helpers.ts'

let app: RunningApp
beforeAll(async () => {
  app = await startApp(await freshConfig({ maxConcurrentPartUploads: 4 }))
})
afterAll(() => app?.close())

async function expectStored(url: string, data: Buffer, contentType = 'video/mp4') {
  const key = keyOf(url)
  const stored = await objectSha256(app.storage.client, app.storage.bucket, key)
  expect(stored).toEqual({ sha256: sha256(data), contentType, size: data.length })
  const doc = await findDocumentById(app.db, key.split('/').pop() ?? '')
  expect(doc?.status).toBe('uploaded')
  expect(doc?.sizeBytes).toBe(data.length)
}

describe('tus uploads to S3 multipart', () => {
  it('stores a 64 MiB upload sent in several chunks byte for byte', async () => {
    const data = randomFile(64 * MiB)
    const { done } = tusUpload(data, {
      endpoint: `${app.url}/files`,
      userId: 'alice',
      chunkSize: 20 * MiB,
    })
    const { url } = await done
    await expectStored(url, data)
  })

  it('resumes from the server offset after the client aborts mid-upload', async () => {
    // The abort lands 40 MiB before the end: more than loopback socket buffers can hold, so the
    // whole body cannot reach the server before the abort does, even on a loaded machine.
    const data = randomFile(48 * MiB)
    const before = app.bytesReceived()
    let aborted!: () => void
    const abortedNow = new Promise<void>((r) => {
      aborted = r
    })
    const first = tusUpload(data, {
      endpoint: `${app.url}/files`,
      userId: 'bob',
      onProgress: (sent) => {
        if (sent >= 8 * MiB) {
          void first.upload.abort().then(aborted)
        }
      },
    })
    first.done.catch(() => {})
    await abortedNow
    const uploadUrl = first.upload.url ?? ''
    expect(uploadUrl).not.toBe('')

    // The server may still be flushing the aborted PATCH; HEAD waits for its lock.
    const head = await fetch(uploadUrl, {
      method: 'HEAD',
      headers: { 'Tus-Resumable': '1.0.0', Authorization: bearer('bob') },
    })
    const offset = Number(head.headers.get('upload-offset'))
    expect(offset).toBeGreaterThan(0)
    expect(offset).toBeLessThan(data.length)

    let resumedFrom: number | undefined
    const second = tusUpload(data, {
      uploadUrl,
      userId: 'bob',
      onAfterResponse: (req, res) => {
        if (req.getMethod() === 'HEAD') resumedFrom = Number(res.getHeader('Upload-Offset'))
      },
    })
    await second.done
    expect(resumedFrom).toBe(offset)
    await expectStored(uploadUrl, data)
    expect(app.bytesReceived() - before).toBeLessThan(1.5 * data.length)
  })

  it('completes 10 concurrent uploads from different users', async () => {
    const files = Array.from({ length: 10 }, (_, i) => randomFile((3 + (i % 4) * 2) * MiB + i))
    const results = await Promise.all(
      files.map(
        (data, i) =>
          tusUpload(data, {
            endpoint: `${app.url}/files`,
            userId: `user${i}`,
            chunkSize: 4 * MiB,
          }).done,
      ),
    )
    for (const [i, { url }] of results.entries()) {
      expect(keyOf(url).startsWith(`user${i}/video/`)).toBe(true)
      await expectStored(url, files[i] as Buffer)
    }
  })
})

const HOUR = 3_600_000

describe('expiry', () => {
  it('cleanupExpired removes an expired unfinished upload from S3 and marks it expired', async () => {
    const short = await startApp(await freshConfig({ expirationPeriodInMilliseconds: HOUR }))
    try {
      const created = await fetch(`${short.url}/files`, {
        method: 'POST',
        headers: {
          'Tus-Resumable': '1.0.0',
          Authorization: bearer('dora'),
          'Upload-Length': String(12 * MiB),
          'Upload-Metadata': `filename ${btoa('a.mp4')},filetype ${btoa('video/mp4')},purpose ${btoa('video')}`,
          'Content-Type': 'application/offset+octet-stream',
        },
        body: randomFile(6 * MiB),
      })
      expect(created.status).toBe(201)
      expect(created.headers.get('upload-offset')).toBe(String(6 * MiB))
      const url = new URL(created.headers.get('location') ?? '', short.url).toString()
      const key = keyOf(url)
      const documentId = created.headers.get('uplink-document-id') ?? ''
      expect((await short.storage.multipart.listUploads(key)).map((u) => u.key)).toContain(key)

      expect(await short.tus.cleanupExpired()).toMatchObject({ expired: 0, skipped: 0 })
      // The sweep's clock is moved past the expiry rather than waited for.
      const later = new Date(Date.now() + 2 * HOUR)
      expect(await short.tus.cleanupExpired(later)).toMatchObject({ expired: 1, skipped: 0 })

      expect((await short.storage.multipart.listUploads(key)).map((u) => u.key)).not.toContain(key)
      await expect(
        short.storage.client.send(
          new HeadObjectCommand({ Bucket: short.storage.bucket, Key: `${key}.info` }),
        ),
      ).rejects.toThrow()
      expect((await findDocumentById(short.db, documentId))?.status).toBe('expired')
      const head = await fetch(url, {
        method: 'HEAD',
        headers: { 'Tus-Resumable': '1.0.0', Authorization: bearer('dora') },
      })
      expect([404, 410]).toContain(head.status)
    } finally {
      await short.close()
    }
  })
})

describe('deferred length', () => {
  it('accepts Upload-Defer-Length when a maximum is configured and verifies the final size', async () => {
    const deferred = await startApp(await freshConfig({ maxDeferredLength: 64 * MiB }))
    try {
      const data = randomFile(7 * MiB)
      const { done } = tusUpload(data, {
        endpoint: `${deferred.url}/files`,
        userId: 'hank',
        chunkSize: 3 * MiB,
        uploadLengthDeferred: true,
      })
      const { url, documentId } = await done
      const stored = await objectSha256(
        deferred.storage.client,
        deferred.storage.bucket,
        keyOf(url),
      )
      expect(stored.sha256).toBe(sha256(data))
      const doc = await findDocumentById(deferred.db, documentId ?? '')
      expect(doc).toMatchObject({ status: 'uploaded', sizeBytes: data.length })
    } finally {
      await deferred.close()
    }
  })
})
