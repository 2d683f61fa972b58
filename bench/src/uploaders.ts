import { createReadStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { Upload as S3Upload } from '@aws-sdk/lib-storage'
import { createUplinkClient, DOCUMENT_ID_HEADER, type UplinkClient } from '@uplink/client'
import { s3Client } from '@uplink/testing'
import * as tus from 'tus-js-client'
import { type ChecksumTally, tallyingFetch, tallyUploadParts } from './checksum-tally.ts'
import type { Stack } from './stack.ts'

/** A document as the API returns it. */
export type DocumentView = Awaited<ReturnType<UplinkClient['info']>>

export interface UploadSettings {
  partSize: number
  concurrency: number
}

/**
 * The ceiling: the AWS SDK's own multipart upload (with its default checksums) straight to the
 * same S3 server. Tallies the parts' checksums into `checksums` when given.
 */
export async function directMultipart(
  stack: Stack,
  path: string,
  size: number,
  s: UploadSettings,
  checksums?: ChecksumTally,
) {
  // A client of its own, so the tally sees only this upload's parts.
  const client = checksums ? s3Client(stack.s3) : stack.s3Client
  if (checksums) tallyUploadParts(client, checksums)
  try {
    await new S3Upload({
      client,
      params: {
        Bucket: stack.s3.bucket,
        Key: `bench/direct/${Date.now()}-${Math.random()}`,
        Body: createReadStream(path, { highWaterMark: 1024 * 1024 }),
        ContentType: 'video/mp4',
        ContentLength: size,
      },
      partSize: s.partSize,
      queueSize: s.concurrency,
    }).done()
  } finally {
    if (client !== stack.s3Client) client.destroy()
  }
}

/**
 * tus through Uplink's /files: one long PATCH (chunkSize Infinity) or fixed-size PATCHes.
 * Resolves to the document id the server names in its creation response.
 */
export async function tusUpload(
  stack: Stack,
  path: string,
  size: number,
  options: { userId: string; chunkSize?: number },
): Promise<string | undefined> {
  const token = await stack.token(options.userId)
  return tusUploadTo(`${stack.baseUrl}/files`, createReadStream(path), size, {
    headers: { Authorization: `Bearer ${token}` },
    ...(options.chunkSize ? { chunkSize: options.chunkSize } : {}),
  })
}

/**
 * One tus upload with tus-js-client to any tus server (Uplink's /files or tusd), from a file
 * stream or a buffer. Resolves to the document id an Uplink server names, if any.
 */
export async function tusUploadTo(
  endpoint: string,
  body: Readable | Buffer,
  size: number,
  options: {
    headers?: Record<string, string>
    chunkSize?: number
    /** Default: an MP4 for purpose `video`. */
    metadata?: Record<string, string>
  },
): Promise<string | undefined> {
  let documentId: string | undefined
  await new Promise<void>((resolve, reject) => {
    const upload = new tus.Upload(body, {
      endpoint,
      uploadSize: size,
      chunkSize: options.chunkSize ?? Number.POSITIVE_INFINITY,
      headers: options.headers ?? {},
      metadata: options.metadata ?? {
        filename: 'bench.mp4',
        filetype: 'video/mp4',
        purpose: 'video',
      },
      retryDelays: [],
      onAfterResponse: (_req, res) => {
        documentId ??= res.getHeader(DOCUMENT_ID_HEADER) || undefined
      },
      onSuccess: () => resolve(),
      onError: reject,
    })
    upload.start()
  })
  return documentId
}

/**
 * Pattern B: presigned parts uploaded by @uplink/client straight to S3. Resolves to the
 * confirmed document; tallies the part PUTs' checksums into `options.checksums` when given.
 */
export async function clientMultipart(
  stack: Stack,
  path: string,
  s: UploadSettings,
  userId: string,
  options: { stateDir?: string; checksums?: ChecksumTally } = {},
): Promise<DocumentView> {
  const client = createUplinkClient({
    url: stack.baseUrl,
    token: await stack.token(userId),
    ...(options.checksums ? { fetch: tallyingFetch(stack.baseUrl, options.checksums) } : {}),
  })
  return client.uploadFile(path, {
    purpose: 'video',
    method: 'multipart',
    contentType: 'video/mp4',
    partConcurrency: s.concurrency,
    ...(options.stateDir ? { stateDir: options.stateDir } : {}),
  })
}
