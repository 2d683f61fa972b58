import { createHash } from 'node:crypto'
import {
  GetObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { findDocumentById, listTusParts } from '@uplink/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningApp, startApp } from './fixtures/app.ts'
import { bearer, freshConfig, keyOf, MiB, objectSha256, randomFile, sha256 } from './helpers.ts'

let app: RunningApp
beforeAll(async () => {
  app = await startApp(await freshConfig())
})
afterAll(() => app?.close())

const b64 = (s: string) => Buffer.from(s).toString('base64')
const sha256b64 = (data: Buffer) => createHash('sha256').update(data).digest('base64')

/** Raw tus requests: each step is explicit, so the test controls exactly what S3 holds. */
function tusClient(user: string) {
  const headers = { 'Tus-Resumable': '1.0.0', Authorization: bearer(user) }
  return {
    async create(size: number) {
      const res = await fetch(`${app.url}/files`, {
        method: 'POST',
        headers: {
          ...headers,
          'Upload-Length': String(size),
          'Upload-Metadata': `filename ${b64('clip.mp4')},filetype ${b64('video/mp4')},purpose ${b64('video')}`,
        },
      })
      expect(res.status).toBe(201)
      return new URL(res.headers.get('location') ?? '', app.url).toString()
    },
    async offset(url: string) {
      const res = await fetch(url, { method: 'HEAD', headers })
      expect(res.status).toBe(200)
      return Number(res.headers.get('upload-offset'))
    },
    async patch(url: string, offset: number, body: Buffer) {
      const res = await fetch(url, {
        method: 'PATCH',
        headers: {
          ...headers,
          'Upload-Offset': String(offset),
          'Content-Type': 'application/offset+octet-stream',
        },
        body,
      })
      await res.arrayBuffer()
      return res.status
    },
  }
}

/** The S3 UploadId the store keeps in the upload's `.info` object. */
async function rawUploadId(key: string) {
  const res = await app.storage.client.send(
    new GetObjectCommand({ Bucket: app.storage.bucket, Key: `${key}.info` }),
  )
  await res.Body?.transformToString()
  return res.Metadata?.['upload-id'] ?? ''
}

/** Plants bytes as part `n`, with a valid checksum for those bytes: what a padding store keeps. */
async function plantPart(key: string, n: number, bytes: Buffer) {
  await app.storage.client.send(
    new UploadPartCommand({
      Bucket: app.storage.bucket,
      Key: key,
      UploadId: await rawUploadId(key),
      PartNumber: n,
      Body: bytes,
      ChecksumSHA256: sha256b64(bytes),
    }),
  )
}

describe('a resumed tus upload counts only the parts it wrote', () => {
  it('does not count a part that S3 holds with other bytes of the right size', async () => {
    const tus = tusClient('ivy')
    const data = randomFile(12 * MiB)
    const url = await tus.create(data.length)
    const key = keyOf(url)
    expect(await tus.patch(url, 0, data.subarray(0, 10 * MiB))).toBe(204)
    expect(await tus.offset(url)).toBe(10 * MiB)

    // Part 2 replaced by a cut-short body padded with zeros (same size, stored checksum valid).
    await plantPart(key, 2, Buffer.concat([data.subarray(5 * MiB, 7 * MiB), Buffer.alloc(3 * MiB)]))
    expect(await tus.offset(url)).toBe(5 * MiB)
    expect(await tus.patch(url, 10 * MiB, data.subarray(10 * MiB))).toBe(409)

    expect(await tus.patch(url, 5 * MiB, data.subarray(5 * MiB))).toBe(204)
    const stored = await objectSha256(app.storage.client, app.storage.bucket, key)
    expect(stored.sha256).toBe(sha256(data))
    expect((await findDocumentById(app.db, key.split('/').pop() ?? ''))?.status).toBe('uploaded')
    expect((await listTusParts(app.db, key)).size).toBe(0)
  })

  it('does not count a stray part after the last one it wrote', async () => {
    const tus = tusClient('ivy')
    const data = randomFile(15 * MiB)
    const url = await tus.create(data.length)
    const key = keyOf(url)
    expect(await tus.patch(url, 0, data.subarray(0, 5 * MiB))).toBe(204)
    await plantPart(key, 2, Buffer.alloc(5 * MiB))
    expect(await tus.offset(url)).toBe(5 * MiB)
    expect(await tus.patch(url, 5 * MiB, data.subarray(5 * MiB))).toBe(204)
    const stored = await objectSha256(app.storage.client, app.storage.bucket, key)
    expect(stored.sha256).toBe(sha256(data))
  })

  it('drops an incomplete part whose bytes changed and resumes from the last verified part', async () => {
    const tus = tusClient('ivy')
    const data = randomFile(8 * MiB)
    const url = await tus.create(data.length)
    const key = keyOf(url)
    // 2 MiB is under S3's 5 MiB part minimum: it is kept as the `<key>.part` object.
    expect(await tus.patch(url, 0, data.subarray(0, 2 * MiB))).toBe(204)
    expect(await tus.offset(url)).toBe(2 * MiB)
    await app.storage.client.send(
      new PutObjectCommand({
        Bucket: app.storage.bucket,
        Key: `${key}.part`,
        Body: Buffer.alloc(2 * MiB),
      }),
    )
    expect(await tus.offset(url)).toBe(0)
    expect(await tus.patch(url, 0, data)).toBe(204)
    const stored = await objectSha256(app.storage.client, app.storage.bucket, key)
    expect(stored.sha256).toBe(sha256(data))
  })

  it('sends every part with a SHA-256 that S3 lists back', async () => {
    const tus = tusClient('ivy')
    const data = randomFile(11 * MiB)
    const url = await tus.create(data.length)
    const key = keyOf(url)
    expect(await tus.patch(url, 0, data.subarray(0, 10 * MiB))).toBe(204)
    const listed = await app.storage.client.send(
      new ListPartsCommand({
        Bucket: app.storage.bucket,
        Key: key,
        UploadId: await rawUploadId(key),
      }),
    )
    expect(listed.Parts?.map((p) => p.ChecksumSHA256)).toEqual([
      sha256b64(data.subarray(0, 5 * MiB)),
      sha256b64(data.subarray(5 * MiB, 10 * MiB)),
    ])
  })
})
