import type { ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { shouldRetryTus } from '@uplink/core'
import { freePort, spawnService, testDatabase, testServices } from '@uplink/testing'
import { DetailedError, Upload, type UploadOptions } from 'tus-js-client'
import type { AppConfig } from './fixtures/app.ts'
import { serveBundle } from './fixtures/bundle-serve.ts'

const MiB = 1024 * 1024

export { MiB }

export const bearer = (userId: string) => `Bearer user:${userId}`

export async function freshConfig(tus?: AppConfig['tus']): Promise<AppConfig> {
  return { databaseUrl: await testDatabase(), s3: testServices().s3, ...(tus ? { tus } : {}) }
}

export const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex')

/** Random bytes (incompressible, so nothing in between can cheat). */
export const randomFile = (bytes: number) => randomBytes(bytes)

export async function objectSha256(client: S3Client, bucket: string, key: string) {
  const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
  const hash = createHash('sha256')
  for await (const chunk of res.Body as AsyncIterable<Uint8Array>) hash.update(chunk)
  return { sha256: hash.digest('hex'), contentType: res.ContentType, size: res.ContentLength }
}

export async function objectBytes(client: S3Client, bucket: string, key: string) {
  const res = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))
  return Buffer.from((await res.Body?.transformToByteArray()) ?? [])
}

/**
 * Where stored bytes differ from the file: the first and last differing offsets, how many zeros
 * start there (padding), and where in the file the 64 bytes found there come from (misplaced).
 */
export function describeDifference(stored: Buffer, data: Buffer) {
  const common = Math.min(stored.length, data.length)
  let first = 0
  while (first < common && stored[first] === data[first]) first++
  let last = common - 1
  while (last > first && stored[last] === data[last]) last--
  let zeros = 0
  while (first + zeros < stored.length && stored[first + zeros] === 0) zeros++
  const probe = stored.subarray(first, first + 64)
  const from = probe.length === 64 ? data.indexOf(probe) : -1
  return {
    storedSize: stored.length,
    size: data.length,
    firstDifference: first,
    lastDifference: last,
    zerosThere: zeros,
    bytesThereFromFileOffset: from >= 0 ? from : 'not in the file',
  }
}

export interface TusResult {
  url: string
  documentId: string | undefined
}

type ClientOptions = Omit<UploadOptions, 'onSuccess' | 'onError'> & { userId: string }

/** Starts a tus-js-client upload; `done` settles with the upload URL or the client's error. */
export function tusUpload(data: Buffer, options: ClientOptions) {
  const { userId, headers, ...rest } = options
  let documentId: string | undefined
  let resolve!: (r: TusResult) => void
  let reject!: (e: Error) => void
  const done = new Promise<TusResult>((res, rej) => {
    resolve = res
    reject = rej
  })
  const upload = new Upload(data, {
    retryDelays: null,
    storeFingerprintForResuming: false,
    // As @uplink/client and the web app do: 460 (the PATCH or its part was refused for its
    // checksum, nothing of it kept) is sent again like a 5xx.
    onShouldRetry: (err) => shouldRetryTus(statusOf(err) ?? 0),
    metadata: { filename: 'clip.mp4', filetype: 'video/mp4', purpose: 'video' },
    ...rest,
    headers: { Authorization: bearer(userId), ...headers },
    onAfterResponse: (req, res) => {
      documentId ??= res.getHeader('Uplink-Document-Id') ?? undefined
      return rest.onAfterResponse?.(req, res)
    },
    onSuccess: () => resolve({ url: upload.url ?? '', documentId }),
    onError: (err) => reject(err),
  })
  upload.start()
  return { upload, done }
}

export function statusOf(err: unknown): number | undefined {
  return err instanceof DetailedError ? err.originalResponse?.getStatus() : undefined
}

/** The object key behind a tus upload URL (the path after /files/). */
export const keyOf = (uploadUrl: string) =>
  new URL(uploadUrl, 'http://localhost').pathname.replace(/^\/files\//, '')

export interface ServerProcess {
  port: number
  child: ChildProcess
  /** Stops it with `signal` (SIGKILL: a crash) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<void>
}

/** Spawns test/fixtures/serve.ts (bundled once per process) on `config.port` (or a free one); resolves once tus answers. */
export async function spawnServer(config: AppConfig): Promise<ServerProcess> {
  const port = config.port ?? (await freePort())
  const service = await spawnService({
    name: `the tus test server on ${port}`,
    command: process.execPath,
    args: [await serveBundle()],
    env: { ...process.env, UPLINK_TUS_TEST_CONFIG: JSON.stringify({ ...config, port }) },
    // tus: OPTIONS answers with Tus-Version once the server handles requests.
    ready: async () =>
      (await fetch(`http://127.0.0.1:${port}/files`, { method: 'OPTIONS' })).headers.has(
        'tus-version',
      ),
    // A safety net only: it answers as soon as it is up, which takes long on a loaded machine.
    timeoutMs: 120_000,
  })
  return {
    port,
    child: service.child,
    stop: (signal = 'SIGTERM') => (signal === 'SIGTERM' ? service.stop() : service.kill(signal)),
  }
}
