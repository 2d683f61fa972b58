import {
  GetObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3'
import { findDocumentById, listTusParts, recordTusPart } from '@uplink/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checksumOf } from '../src/store/part-checksum.ts'
import { INCOMPLETE_OFFSET } from '../src/store/verified-parts.ts'
import { type RunningApp, startApp } from './fixtures/app.ts'
import { bearer, freshConfig, keyOf, MiB, objectSha256, randomFile, sha256 } from './helpers.ts'

let app: RunningApp
beforeAll(async () => {
  app = await startApp(await freshConfig())
})
afterAll(() => app?.close())

const b64 = (s: string) => Buffer.from(s).toString('base64')
/** Base64 CRC32: the part checksum of the uploads the store creates. */
const crc32b64 = (data: Buffer) => checksumOf('CRC32', data)

/** Raw tus requests: each step is explicit, so the test controls exactly what S3 holds. */
function tusClient(user: string, target: () => RunningApp = () => app) {
  const headers = { 'Tus-Resumable': '1.0.0', Authorization: bearer(user) }
  return {
    async create(size: number) {
      const res = await fetch(`${target().url}/files`, {
        method: 'POST',
        headers: {
          ...headers,
          'Upload-Length': String(size),
          'Upload-Metadata': `filename ${b64('clip.mp4')},filetype ${b64('video/mp4')},purpose ${b64('video')}`,
        },
      })
      expect(res.status).toBe(201)
      return new URL(res.headers.get('location') ?? '', target().url).toString()
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
  return app.storage.client.send(
    new UploadPartCommand({
      Bucket: app.storage.bucket,
      Key: key,
      UploadId: await rawUploadId(key),
      PartNumber: n,
      Body: bytes,
      ChecksumCRC32: crc32b64(bytes),
    }),
  )
}

/**
 * Plants part `n` as a PATCH that crashed after S3 acknowledged it left it: stored and recorded
 * in `into`'s ledger, with `bytes` taken from where that PATCH placed them.
 */
async function plantRecordedPart(into: RunningApp, key: string, n: number, bytes: Buffer) {
  const res = await plantPart(key, n, bytes)
  const part = {
    partNumber: n,
    size: bytes.length,
    checksum: crc32b64(bytes),
    etag: res.ETag ?? '',
  }
  await recordTusPart(into.db, key, part)
}

/** Plants the `.part` object as the store writes it (bytes from `offset`) and records it. */
async function plantRecordedIncomplete(key: string, offset: number, bytes: Buffer) {
  const res = await app.storage.client.send(
    new PutObjectCommand({
      Bucket: app.storage.bucket,
      Key: `${key}.part`,
      Body: bytes,
      ChecksumCRC32: crc32b64(bytes),
      Metadata: { [INCOMPLETE_OFFSET]: String(offset) },
    }),
  )
  const part = {
    partNumber: 0,
    size: bytes.length,
    checksum: crc32b64(bytes),
    etag: res.ETag ?? '',
  }
  await recordTusPart(app.db, key, part)
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

  it('sends every part with a CRC32 that S3 lists back', async () => {
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
    expect(listed.Parts?.map((p) => p.ChecksumCRC32)).toEqual([
      crc32b64(data.subarray(0, 5 * MiB)),
      crc32b64(data.subarray(5 * MiB, 10 * MiB)),
    ])
  })

  it('does not count an incomplete part that a crashed PATCH stored after a part S3 never got', async () => {
    const tus = tusClient('ivy')
    const data = randomFile(24 * MiB)
    const url = await tus.create(data.length)
    const key = keyOf(url)
    expect(await tus.patch(url, 0, data.subarray(0, 10 * MiB))).toBe(204)
    // A PATCH at 10 MiB killed while part 3 [10, 15) MiB was on its way to S3, after its tail
    // [15, 16) MiB was stored as the `.part` object: 11 MiB would resume with bytes misplaced.
    await plantRecordedIncomplete(key, 15 * MiB, data.subarray(15 * MiB, 16 * MiB))
    expect(await tus.offset(url)).toBe(10 * MiB)
    expect(await tus.patch(url, 10 * MiB, data.subarray(10 * MiB))).toBe(204)
    const stored = await objectSha256(app.storage.client, app.storage.bucket, key)
    expect(stored.sha256).toBe(sha256(data))
  })

  it('does not count a part an earlier PATCH left behind once the part before it was rewritten shorter', async () => {
    const tenMiB = await startApp(await freshConfig({ partSize: 10 * MiB }))
    try {
      const tus = tusClient('ivy', () => tenMiB)
      const data = randomFile(30 * MiB)
      const url = await tus.create(data.length)
      const key = keyOf(url)
      // A PATCH from 0 crashed with part 1 [0, 10) MiB lost and part 2 [10, 20) MiB recorded.
      await plantRecordedPart(tenMiB, key, 2, data.subarray(10 * MiB, 20 * MiB))
      expect(await tus.offset(url)).toBe(0)
      // The resume ends at 7 MiB: part 1 is now [0, 7) MiB, so that old part 2 is 3 MiB off.
      expect(await tus.patch(url, 0, data.subarray(0, 7 * MiB))).toBe(204)
      expect(await tus.offset(url)).toBe(7 * MiB)
      expect(await tus.patch(url, 7 * MiB, data.subarray(7 * MiB))).toBe(204)
      const stored = await objectSha256(app.storage.client, app.storage.bucket, key)
      expect(stored.sha256).toBe(sha256(data))
    } finally {
      await tenMiB.close()
    }
  })
})
