import { createHash, randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import { crc32 as zlibCrc32 } from 'node:zlib'
import { S3 } from '@aws-sdk/client-s3'
import { startFaultProxy, storageSettings, testServices } from '@uplink/testing'
import { afterAll, describe, expect, it } from 'vitest'
import type { StorageConfig } from '../src/client.ts'
import { createLeanS3 } from '../src/lean-s3.ts'

// The lean client against the suite's S3 (versitygw, or MinIO with UPLINK_TEST_S3=minio), each
// call and each failure compared with what the AWS SDK answers for the same request.

const { s3 } = testServices()
const config: StorageConfig = storageSettings(s3)
const lean = createLeanS3(config)
const sdk = new S3({
  endpoint: config.endpoint,
  region: config.region,
  credentials: storageSettings(s3).credentials,
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
})
afterAll(() => {
  lean.destroy()
  sdk.destroy()
})

const Bucket = config.bucket
const MiB = 1024 * 1024
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('base64')
const crc32 = (b: Buffer) => {
  const out = Buffer.alloc(4)
  out.writeUInt32BE(zlibCrc32(b) >>> 0)
  return out.toString('base64')
}
const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64')
const bytes = (n: number, seed = 1) => Buffer.alloc(n, seed)
/** Keys as users' filenames make them: spaces, unicode, reserved URL characters. */
const key = (name = "ü ber (1)+x&y=z;~'*.pdf") => `alice/document/${randomUUID()}/${name}`

/** The parts of an error the store reads. */
async function failure(call: Promise<unknown>) {
  const err = (await call.then(
    () => {
      throw new Error('expected the call to fail')
    },
    (e: unknown) => e,
  )) as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } }
  return { name: err.name, Code: err.Code, status: err.$metadata?.httpStatusCode }
}

async function multipart(Key: string, ChecksumAlgorithm: 'SHA256' | 'CRC32' = 'SHA256') {
  const created = await lean.createMultipartUpload({
    Bucket,
    Key,
    ContentType: 'application/pdf',
    ChecksumAlgorithm,
    Metadata: { 'tus-version': '1.0.0' },
  })
  expect(created.Key).toBe(Key)
  expect(created.UploadId).toBeTruthy()
  return created.UploadId as string
}

describe('the lean S3 client', () => {
  it('runs a CRC32 multipart upload (the tus store): parts acknowledged and listed with their CRC32, completed with them', async () => {
    const Key = key()
    const UploadId = await multipart(Key, 'CRC32')
    const first = bytes(5 * MiB, 3)
    const last = bytes(1000, 4)
    const one = await lean.uploadPart({
      Bucket,
      Key,
      UploadId,
      PartNumber: 1,
      Body: Readable.from([first]),
      ContentLength: first.length,
      ChecksumCRC32: crc32(first),
    })
    expect(one.ChecksumCRC32).toBe(crc32(first))
    const two = await lean.uploadPart({
      Bucket,
      Key,
      UploadId,
      PartNumber: 2,
      Body: last,
      ChecksumCRC32: crc32(last),
    })
    const listed = await lean.listParts({ Bucket, Key, UploadId })
    expect(listed.Parts?.map((p) => [p.PartNumber, p.Size, p.ChecksumCRC32])).toEqual([
      [1, first.length, crc32(first)],
      [2, last.length, crc32(last)],
    ])
    // A part whose bytes changed on the way is refused, whatever the store.
    const refused = await lean
      .uploadPart({ Bucket, Key, UploadId, PartNumber: 2, Body: last, ChecksumCRC32: crc32(first) })
      .catch((err: unknown) => err)
    expect(refused).toBeInstanceOf(Error)
    await lean.completeMultipartUpload({
      Bucket,
      Key,
      UploadId,
      MultipartUpload: {
        Parts: [
          { PartNumber: 1, ETag: one.ETag, ChecksumCRC32: crc32(first) },
          { PartNumber: 2, ETag: two.ETag, ChecksumCRC32: crc32(last) },
        ],
      },
    })
    const body = await (await sdk.getObject({ Bucket, Key })).Body?.transformToByteArray()
    expect(Buffer.from(body ?? []).equals(Buffer.concat([first, last]))).toBe(true)
  })

  it('runs a multipart upload (create, parts with SHA-256, list, complete) with the outputs the SDK gives', async () => {
    const Key = key()
    const UploadId = await multipart(Key)
    const first = bytes(5 * MiB, 1)
    const last = bytes(1000, 2)
    const one = await lean.uploadPart({
      Bucket,
      Key,
      UploadId,
      PartNumber: 1,
      Body: Readable.from([first]),
      ContentLength: first.length,
      ChecksumSHA256: sha256(first),
    })
    expect(one.ChecksumSHA256).toBe(sha256(first))
    expect(one.ETag).toMatch(/^"[0-9a-f-]+"$/)
    const two = await lean.uploadPart({
      Bucket,
      Key,
      UploadId,
      PartNumber: 2,
      Body: last,
      ChecksumSHA256: sha256(last),
    })
    const listed = await lean.listParts({ Bucket, Key, UploadId })
    const reference = await sdk.listParts({ Bucket, Key, UploadId })
    const shape = (p: NonNullable<typeof listed.Parts>[number]) => ({
      PartNumber: p.PartNumber,
      Size: p.Size,
      ETag: p.ETag,
      ChecksumSHA256: p.ChecksumSHA256,
    })
    expect(listed.Parts?.map(shape)).toEqual(reference.Parts?.map(shape))
    expect(listed.Parts?.map(shape)).toEqual([
      { PartNumber: 1, Size: first.length, ETag: one.ETag, ChecksumSHA256: sha256(first) },
      { PartNumber: 2, Size: last.length, ETag: two.ETag, ChecksumSHA256: sha256(last) },
    ])
    expect(listed.IsTruncated).toBe(false)

    const done = await lean.completeMultipartUpload({
      Bucket,
      Key,
      UploadId,
      MultipartUpload: {
        Parts: [
          { PartNumber: 1, ETag: one.ETag, ChecksumSHA256: sha256(first) },
          { PartNumber: 2, ETag: two.ETag, ChecksumSHA256: sha256(last) },
        ],
      },
    })
    expect(done.ETag).toBeTruthy()
    const head = await lean.headObject({ Bucket, Key })
    const sdkHead = await sdk.headObject({ Bucket, Key })
    expect(head.ContentLength).toBe(first.length + last.length)
    expect(head).toMatchObject({
      ContentLength: sdkHead.ContentLength,
      ContentType: 'application/pdf',
      ETag: sdkHead.ETag,
      Metadata: sdkHead.Metadata,
      LastModified: sdkHead.LastModified,
    })
    expect(head.Metadata).toEqual({ 'tus-version': '1.0.0' })
    const body = await (await sdk.getObject({ Bucket, Key })).Body?.transformToByteArray()
    expect(sha256(Buffer.from(body ?? []))).toBe(sha256(Buffer.concat([first, last])))
  })

  it('lists parts page by page (MaxParts, PartNumberMarker) as the SDK does', async () => {
    const Key = key('pages')
    const UploadId = await multipart(Key)
    for (const PartNumber of [1, 2, 3]) {
      const part = bytes(10, PartNumber)
      await lean.uploadPart({
        Bucket,
        Key,
        UploadId,
        PartNumber,
        Body: part,
        ChecksumSHA256: sha256(part),
      })
    }
    const page = await lean.listParts({ Bucket, Key, UploadId, MaxParts: 2 })
    const reference = await sdk.listParts({ Bucket, Key, UploadId, MaxParts: 2 })
    expect(page.Parts?.map((p) => p.PartNumber)).toEqual([1, 2])
    expect(page.IsTruncated).toBe(true)
    expect(page.NextPartNumberMarker).toBe(reference.NextPartNumberMarker)
    const rest = await lean.listParts({
      Bucket,
      Key,
      UploadId,
      PartNumberMarker: page.NextPartNumberMarker,
    })
    expect(rest.Parts?.map((p) => p.PartNumber)).toEqual([3])
    expect(rest.IsTruncated).toBe(false)
    await lean.abortMultipartUpload({ Bucket, Key, UploadId })
    expect(await failure(lean.listParts({ Bucket, Key, UploadId }))).toEqual(
      await failure(sdk.listParts({ Bucket, Key, UploadId })),
    )
  })

  it('puts, heads and deletes an object with metadata, tags, SHA-256 and Content-MD5', async () => {
    const Key = key()
    const body = Buffer.from(JSON.stringify({ id: 'x', size: 3 }))
    const put = await lean.putObject({
      Bucket,
      Key,
      Body: body.toString(),
      ContentType: 'application/json',
      Metadata: { 'upload-id': 'abc', 'tus-version': '1.0.0' },
      Tagging: 'Tus-Completed=false',
      ChecksumSHA256: sha256(body),
      ContentMD5: md5(body),
    })
    expect(put.ChecksumSHA256).toBe(sha256(body))
    expect(put.ETag).toBe(`"${createHash('md5').update(body).digest('hex')}"`)
    const head = await lean.headObject({ Bucket, Key, ChecksumMode: 'ENABLED' })
    const reference = await sdk.headObject({ Bucket, Key, ChecksumMode: 'ENABLED' })
    expect(head.ChecksumSHA256).toBe(reference.ChecksumSHA256)
    expect(head).toMatchObject({
      ContentLength: body.length,
      ContentType: 'application/json',
      ETag: put.ETag,
      Metadata: { 'upload-id': 'abc', 'tus-version': '1.0.0' },
    })
    expect((await sdk.getObjectTagging({ Bucket, Key })).TagSet).toEqual([
      { Key: 'Tus-Completed', Value: 'false' },
    ])
    const streamed = await lean.putObject({
      Bucket,
      Key,
      Body: Readable.from([body]),
      ContentLength: body.length,
    })
    expect(streamed.ETag).toBe(put.ETag)
    await lean.deleteObject({ Bucket, Key })
    expect(await failure(lean.headObject({ Bucket, Key }))).toEqual({
      name: 'NotFound',
      Code: undefined,
      status: 404,
    })
    // Deleting what is not there is not an error (S3 answers 204).
    await lean.deleteObject({ Bucket, Key })
  })

  it('fails as the SDK does: NotFound, NoSuchUpload, InvalidPart, EntityTooSmall, a wrong SHA-256', async () => {
    const same = async (ours: () => Promise<unknown>, theirs: () => Promise<unknown>) => {
      const a = await failure(ours())
      expect(a).toEqual(await failure(theirs()))
      return a
    }
    const Key = key()
    const missing = { Bucket, Key: key('missing') }
    expect(
      await same(
        () => lean.headObject(missing),
        () => sdk.headObject(missing),
      ),
    ).toMatchObject({
      name: 'NotFound',
      status: 404,
    })

    const UploadId = await multipart(Key)
    const small = bytes(100, 3)
    const parts = []
    for (const PartNumber of [1, 2]) {
      const res = await lean.uploadPart({
        Bucket,
        Key,
        UploadId,
        PartNumber,
        Body: small,
        ChecksumSHA256: sha256(small),
      })
      parts.push({ PartNumber, ETag: res.ETag, ChecksumSHA256: sha256(small) })
    }
    const wrongEtag = {
      Bucket,
      Key,
      UploadId,
      MultipartUpload: { Parts: [{ ...parts[0], ETag: '"0123456789abcdef0123456789abcdef"' }] },
    }
    expect(
      await same(
        () => lean.completeMultipartUpload(wrongEtag),
        () => sdk.completeMultipartUpload(wrongEtag),
      ),
    ).toMatchObject({ name: 'InvalidPart', status: 400 })
    const tooSmall = { Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }
    expect(
      await same(
        () => lean.completeMultipartUpload(tooSmall),
        () => sdk.completeMultipartUpload(tooSmall),
      ),
    ).toMatchObject({ name: 'EntityTooSmall', status: 400 })

    const damaged = {
      Bucket,
      Key,
      UploadId,
      PartNumber: 3,
      ChecksumSHA256: sha256(bytes(100, 4)),
    }
    const refusal = await same(
      () => lean.uploadPart({ ...damaged, Body: small }),
      () => sdk.uploadPart({ ...damaged, Body: small }),
    )
    expect(['BadDigest', 'XAmzContentChecksumMismatch']).toContain(refusal.name)

    await lean.abortMultipartUpload({ Bucket, Key, UploadId })
    const gone = { Bucket, Key, UploadId, PartNumber: 1, Body: small }
    expect(
      await same(
        () => lean.uploadPart(gone),
        () => sdk.uploadPart(gone),
      ),
    ).toMatchObject({
      name: 'NoSuchUpload',
      status: 404,
    })
    const bogus = { Bucket, Key, UploadId: 'no-such-upload' }
    expect(
      await same(
        () => lean.listParts(bogus),
        () => sdk.listParts(bogus),
      ),
    ).toMatchObject({
      name: 'NoSuchUpload',
    })
    const completeGone = { Bucket, Key, UploadId, MultipartUpload: { Parts: parts } }
    await same(
      () => lean.completeMultipartUpload(completeGone),
      () => sdk.completeMultipartUpload(completeGone),
    )
  })

  it('runs calls through middlewares added as to the SDK client (command name, input, outcome)', async () => {
    const client = createLeanS3(config)
    const seen: string[] = []
    client.middlewareStack.add(
      (next, context) => async (args) => {
        try {
          const out = await next(args)
          seen.push(`${context.commandName} ${(args.input as { Key?: string }).Key === Key}`)
          return out
        } catch (err) {
          seen.push(`${context.commandName} failed ${(err as Error).name}`)
          throw err
        }
      },
      { step: 'initialize', name: 'test' },
    )
    const Key = key()
    await client.putObject({ Bucket, Key, Body: 'x' })
    await client.headObject({ Bucket, Key: `${Key}-missing` }).catch(() => {})
    expect(seen).toEqual(['PutObjectCommand true', 'HeadObjectCommand failed NotFound'])
    client.destroy()
  })
})

describe('the lean S3 client on a connection that fails', () => {
  it('sends a Buffer body again after the connection was cut, and a stream body only once', async () => {
    const proxy = await startFaultProxy({ target: s3.endpoint, log: () => {} })
    const client = createLeanS3({ ...config, endpoint: proxy.endpoint })
    try {
      const body = bytes(64 * 1024, 7)
      const Key = key()
      proxy.setFault({ kind: 'cut', method: 'PUT', offset: 1000 })
      const put = await client.putObject({ Bucket, Key, Body: body, ChecksumSHA256: sha256(body) })
      expect(put.$metadata.attempts).toBe(2)
      expect((await client.headObject({ Bucket, Key })).ContentLength).toBe(body.length)

      const requests = proxy.stats.requests
      proxy.setFault({ kind: 'cut', method: 'PUT', offset: 1000 })
      const err = await failure(
        client.putObject({
          Bucket,
          Key: key(),
          Body: Readable.from([body]),
          ContentLength: body.length,
          ChecksumSHA256: sha256(body),
        }),
      )
      expect(err.status).toBeUndefined()
      expect(proxy.stats.requests - requests).toBe(1)
    } finally {
      client.destroy()
      await proxy.stop()
    }
  })

  it('stops a call when its abort signal fires', async () => {
    const proxy = await startFaultProxy({ target: s3.endpoint, log: () => {} })
    const client = createLeanS3({ ...config, endpoint: proxy.endpoint })
    try {
      proxy.setFault({ kind: 'stall', method: 'PUT', offset: 10 })
      const controller = new AbortController()
      const stalled = proxy.nextFault()
      const call = client.putObject(
        { Bucket, Key: key(), Body: bytes(1000) },
        { abortSignal: controller.signal },
      )
      await stalled
      controller.abort()
      expect((await failure(call)).name).toBe('AbortError')
    } finally {
      client.destroy()
      await proxy.stop()
    }
  })
})
