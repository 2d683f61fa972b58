import { randomBytes } from 'node:crypto'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { DeleteObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3'
import {
  createDatabase,
  freePort,
  type RunningS3,
  type RunningService,
  s3Client,
  spawnService,
} from '@uplink/testing'

/** The checkout these benches run in. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..')

const tsxLoader = pathToFileURL(
  join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), 'dist/loader.mjs'),
).href

export interface BenchServer {
  baseUrl: string
  service: RunningService
  stop(): Promise<void>
}

/**
 * The server of `checkout` (apps/server/src/dev.ts, serving that checkout's built web app) on a
 * free port with a fresh database on `pg` and the bucket of `s3`; the worker off, so the CPU
 * measured is the upload's. `env` adds settings (UPLINK_POLICIES).
 */
export async function startBenchServer(
  pg: string,
  s3: RunningS3,
  { checkout = repoRoot, env = {} }: { checkout?: string; env?: Record<string, string> } = {},
): Promise<BenchServer> {
  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const service = await spawnService({
    name: 'the bench server',
    command: process.execPath,
    args: ['--import', tsxLoader, join(checkout, 'apps/server/src/dev.ts')],
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      DATABASE_URL: await createDatabase(pg, `bench_${randomBytes(6).toString('hex')}`),
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: s3.region,
      S3_BUCKET: s3.bucket,
      S3_ACCESS_KEY_ID: s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
      UPLINK_JWT_SECRET: 'bench-secret-that-is-at-least-32-characters-long',
      UPLINK_WEB_ORIGINS: baseUrl,
      UPLINK_WORKER: 'false',
      ...env,
    },
    ready: async () => (await fetch(`${baseUrl}/healthz`)).ok,
    timeoutMs: 180_000,
  })
  return { baseUrl, service, stop: () => service.stop() }
}

/** Each run leaves a large object: delete them so the runs do not fill the disk. */
export async function emptyBucket(config: RunningS3): Promise<void> {
  const s3 = s3Client(config)
  try {
    for (;;) {
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: config.bucket }))
      const keys = (listed.Contents ?? []).map((o) => o.Key)
      if (keys.length === 0) return
      for (const Key of keys) await s3.send(new DeleteObjectCommand({ Bucket: config.bucket, Key }))
    }
  } finally {
    s3.destroy()
  }
}
