/**
 * The store with checksums off (`S3_CHECKSUMS=false`, for stores without x-amz-checksum): every
 * part and `.part` object goes with `Content-MD5` of our own bytes, the ledger records that MD5,
 * and a part counts only when ListParts' ETag equals it. Runs through the fault proxy.
 */
import { createHash } from 'node:crypto'
import { GetObjectCommand, HeadObjectCommand, ListPartsCommand } from '@aws-sdk/client-s3'
import { findDocumentById, listTusParts } from '@uplink/db'
import { type FaultProxy, startFaultProxy, testDatabase, testServices } from '@uplink/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RunningApp, startApp } from './fixtures/app.ts'
import { bearer, keyOf, MiB, objectSha256, randomFile, sha256, tusUpload } from './helpers.ts'

const PART = 5 * MiB // the fixture app's part size
const RETRIES = [200, 500, 1000, 1000, 2000, 2000, 3000]
const md5Hex = (data: Buffer) => createHash('md5').update(data).digest('hex')
const bare = (etag: string | undefined) => (etag ?? '').replace(/"/g, '')

let proxy: FaultProxy
let app: RunningApp
beforeAll(async () => {
  const { s3 } = testServices()
  proxy = await startFaultProxy({ target: s3.endpoint, log: () => {} })
  app = await startApp({
    databaseUrl: await testDatabase(),
    s3: { ...s3, endpoint: proxy.endpoint },
    tus: { checksums: false },
  })
})
afterAll(async () => {
  await app?.close()
  await proxy?.stop()
})

/** Selects the UploadPart requests of one part number. */
const partPath = (n: number) => new RegExp(`[?&]partNumber=${n}(&|$)`)

async function headOffset(url: string, userId: string): Promise<number> {
  const res = await fetch(url, {
    method: 'HEAD',
    headers: { 'Tus-Resumable': '1.0.0', Authorization: bearer(userId) },
  })
  expect(res.status).toBe(200)
  return Number(res.headers.get('upload-offset'))
}

const b64sha256 = (data: Buffer) => createHash('sha256').update(data).digest('base64')

/** A raw PATCH, optionally with `Upload-Checksum: sha256 <digest of checksumOf>`. */
async function patch(url: string, offset: number, body: Buffer, checksumOf?: Buffer) {
  const res = await fetch(url, {
    method: 'PATCH',
    headers: {
      'Tus-Resumable': '1.0.0',
      Authorization: bearer('md5'),
      'Upload-Offset': String(offset),
      'Content-Type': 'application/offset+octet-stream',
      ...(checksumOf ? { 'Upload-Checksum': `sha256 ${b64sha256(checksumOf)}` } : {}),
    },
    body,
  })
  await res.arrayBuffer()
  return res.status
}

async function create(size: number) {
  const res = await fetch(`${app.url}/files`, {
    method: 'POST',
    headers: {
      'Tus-Resumable': '1.0.0',
      Authorization: bearer('md5'),
      'Upload-Length': String(size),
      'Upload-Metadata': `filename ${btoa('clip.mp4')},filetype ${btoa('video/mp4')},purpose ${btoa('video')}`,
    },
  })
  expect(res.status).toBe(201)
  return new URL(res.headers.get('location') ?? '', app.url).toString()
}

/** Runs a tus-js-client upload to its end; the URL, and the error if it failed. */
async function upload(data: Buffer, userId: string, more: { uploadUrl?: string } = {}) {
  const started = tusUpload(data, {
    endpoint: `${app.url}/files`,
    userId,
    ...more,
    ...(more.uploadUrl ? { retryDelays: RETRIES } : {}),
  })
  try {
    return { url: (await started.done).url, error: undefined }
  } catch (error) {
    return { url: started.upload.url ?? '', error }
  }
}

/** S3 holds exactly `data` under the upload's key and the document is `uploaded`. */
async function expectStoredIntact(url: string, data: Buffer) {
  const key = keyOf(url)
  const stored = await objectSha256(app.storage.client, app.storage.bucket, key)
  expect(stored.sha256, 'SHA-256 of the stored object').toBe(sha256(data))
  expect((await findDocumentById(app.db, key.split('/').pop() ?? ''))?.status).toBe('uploaded')
}

describe('tus with S3 checksums off', () => {
  it('records the MD5 of its own bytes for each part and the .part object, as S3 lists them', async () => {
    const data = randomFile(12 * MiB)
    const url = await create(data.length)
    const key = keyOf(url)
    expect(await patch(url, 0, data.subarray(0, 12 * MiB - 1))).toBe(204)
    const ledger = await listTusParts(app.db, key)
    const etags = [1, 2, 0].map((n) => bare(ledger.get(n)?.etag))
    expect(etags).toEqual([
      md5Hex(data.subarray(0, PART)),
      md5Hex(data.subarray(PART, 2 * PART)),
      md5Hex(data.subarray(2 * PART, 12 * MiB - 1)),
    ])

    const info = await app.storage.client.send(
      new GetObjectCommand({ Bucket: app.storage.bucket, Key: `${key}.info` }),
    )
    await info.Body?.transformToString()
    const listed = await app.storage.client.send(
      new ListPartsCommand({
        Bucket: app.storage.bucket,
        Key: key,
        UploadId: info.Metadata?.['upload-id'] ?? '',
      }),
    )
    expect(listed.Parts?.map((p) => bare(p.ETag))).toEqual(etags.slice(0, 2))
    const incomplete = await app.storage.client.send(
      new HeadObjectCommand({ Bucket: app.storage.bucket, Key: `${key}.part` }),
    )
    expect(bare(incomplete.ETag)).toBe(etags[2])
    expect(await headOffset(url, 'md5')).toBe(12 * MiB - 1)
  })

  it('never counts a part flipped on its way to S3 (Content-MD5 refuses it) and ends intact', async () => {
    const data = randomFile(16 * MiB)
    const faults = proxy.stats.faults.length
    proxy.setFault({ kind: 'flip', method: 'PUT', path: partPath(2), offset: 1234 })
    const first = await upload(data, 'flipped')
    proxy.setFault(undefined)
    expect(proxy.stats.faults.length - faults).toBe(1)
    expect(first.url).not.toBe('')
    if (!first.error) return expectStoredIntact(first.url, data)
    // Part 2 holds [5 MiB, 10 MiB): an offset past 5 MiB would count the flipped part.
    expect(await headOffset(first.url, 'flipped')).toBeLessThanOrEqual(PART)
    const second = await upload(data, 'flipped', { uploadUrl: first.url })
    expect(second.error).toBeUndefined()
    await expectStoredIntact(second.url, data)
  })

  it('never counts a part cut short and padded with zeros, and the resumed upload ends intact', async () => {
    const data = randomFile(16 * MiB)
    const faults = proxy.stats.faults.length
    proxy.setFault({
      kind: 'pad',
      method: 'PUT',
      path: partPath(2),
      offset: 3 * MiB,
      occurrence: 'every',
    })
    const first = await upload(data, 'padded')
    proxy.setFault(undefined)
    expect(proxy.stats.faults.length - faults).toBeGreaterThanOrEqual(1)
    expect(first.error).toBeDefined()
    expect(await headOffset(first.url, 'padded')).toBeLessThanOrEqual(PART)
    const second = await upload(data, 'padded', { uploadUrl: first.url })
    expect(second.error).toBeUndefined()
    await expectStoredIntact(second.url, data)
  })

  it('puts a consumed .part object back with its MD5 when a checksummed PATCH mismatches, and it still counts', async () => {
    const data = randomFile(14 * MiB)
    const url = await create(data.length)
    expect(await patch(url, 0, data.subarray(0, MiB))).toBe(204)
    const middle = data.subarray(MiB, 12 * MiB)
    expect(await patch(url, MiB, middle, Buffer.from('other bytes'))).toBe(460)
    // The restored `.part` counts only if S3 lists it with the MD5 the ledger recorded.
    expect(await headOffset(url, 'md5')).toBe(MiB)
    const ledger = await listTusParts(app.db, keyOf(url))
    expect(bare(ledger.get(0)?.etag)).toBe(md5Hex(data.subarray(0, MiB)))
    expect(await patch(url, MiB, data.subarray(MiB))).toBe(204)
    await expectStoredIntact(url, data)
  })
})
