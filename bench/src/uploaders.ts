import { createReadStream } from 'node:fs'
import { Upload as S3Upload } from '@aws-sdk/lib-storage'
import { createUplinkClient } from '@uplink/client'
import * as tus from 'tus-js-client'
import type { Stack } from './stack.ts'

export interface UploadSettings {
  partSize: number
  concurrency: number
}

/** The ceiling: the AWS SDK's own multipart upload straight to the same S3 server. */
export async function directMultipart(stack: Stack, path: string, size: number, s: UploadSettings) {
  await new S3Upload({
    client: stack.s3Client,
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
}

/** tus through Uplink's /files: one long PATCH (chunkSize Infinity) or fixed-size PATCHes. */
export async function tusUpload(
  stack: Stack,
  path: string,
  size: number,
  options: { userId: string; chunkSize?: number },
) {
  const token = await stack.token(options.userId)
  await new Promise<void>((resolve, reject) => {
    const upload = new tus.Upload(createReadStream(path), {
      endpoint: `${stack.baseUrl}/files`,
      uploadSize: size,
      chunkSize: options.chunkSize ?? Number.POSITIVE_INFINITY,
      headers: { Authorization: `Bearer ${token}` },
      metadata: { filename: 'bench.mp4', filetype: 'video/mp4', purpose: 'video' },
      retryDelays: [],
      onSuccess: () => resolve(),
      onError: reject,
    })
    upload.start()
  })
}

/** Pattern B: presigned parts uploaded by @uplink/client straight to S3. */
export async function clientMultipart(
  stack: Stack,
  path: string,
  s: UploadSettings,
  userId: string,
) {
  const client = createUplinkClient({ url: stack.baseUrl, token: await stack.token(userId) })
  await client.uploadFile(path, {
    purpose: 'video',
    method: 'multipart',
    contentType: 'video/mp4',
    partConcurrency: s.concurrency,
  })
}
