import { execFileSync } from 'node:child_process'
import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3'
import { signDevToken } from '@uplink/api'
import {
  freePort,
  type RunningPostgres,
  type RunningS3,
  type RunningService,
  type S3Config,
  s3Client,
  spawnService,
  startPostgres,
  startVersitygw,
} from '@uplink/testing'
import { startFlags } from './server-flags.ts'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const JWT_SECRET = 'bench-secret-that-is-at-least-32-characters'

/** The tus store's part size and parts in flight per upload (UPLINK_TUS_PART_SIZE, _CONCURRENCY). */
export interface TusSettings {
  partSize: number
  partsPerUpload: number
}

export interface Stack {
  baseUrl: string
  /** The server's Postgres (the content section inserts its document row directly). */
  databaseUrl: string
  serverPid: number
  tusTempDir: string
  s3: RunningS3
  s3Client: S3Client
  /** The tus settings the server was started with, if not its defaults. */
  tus: TusSettings | undefined
  /** What the server's tus store sends with each part, as configured. */
  tusChecksums: string
  token(userId: string): Promise<string>
  /** Deletes every object (keeps the disk from filling between runs). */
  emptyBucket(): Promise<void>
  stop(): Promise<void>
}

/**
 * Real Postgres, real versitygw and the production server bundle as its own process, so its
 * memory can be read from /proc without the benchmark's own allocations.
 */
export async function startStack(options: {
  logLevel: string
  /** Extra node flags for the server, e.g. --cpu-prof. */
  nodeArgs?: string[]
  /** Server processes (UPLINK_PROCESSES); RSS is read from the first process only. */
  processes?: number
  /** The tus store's part size and parts in flight per upload (the server's defaults if unset). */
  tus?: TusSettings
}): Promise<Stack> {
  execFileSync('node', ['build.mjs'], { cwd: join(root, 'apps/server'), stdio: 'inherit' })
  const work = mkdtempSync(join(tmpdir(), 'uplink-bench-'))
  const tusTempDir = join(work, 'tus-tmp')
  let pg: RunningPostgres | undefined
  let s3: RunningS3 | undefined
  let server: RunningService | undefined
  try {
    pg = await startPostgres()
    s3 = await startVersitygw({ dataDir: join(work, 's3') })
    const started = await startServer({
      logLevel: options.logLevel,
      databaseUrl: pg.url,
      s3,
      tusTempDir,
      processes: options.processes ?? 1,
      nodeArgs: options.nodeArgs ?? [],
      ...(options.tus ? { tus: options.tus } : {}),
    })
    server = started.server
    const baseUrl = started.baseUrl
    const client = s3Client(s3)
    // The server reads S3_CHECKSUMS from the environment passed through above; on by default.
    const checksumsOff = /^(false|0)$/.test(process.env.S3_CHECKSUMS ?? '')
    const running = { pg, s3, server }
    return {
      baseUrl,
      databaseUrl: pg.url,
      serverPid: server.child.pid!,
      tusTempDir,
      tus: options.tus,
      s3,
      s3Client: client,
      tusChecksums: checksumsOff ? 'off (S3_CHECKSUMS)' : 'SHA256 on every part (server default)',
      token: (userId) => signDevToken(JWT_SECRET, userId),
      emptyBucket: () => emptyBucket(client, running.s3.bucket),
      async stop() {
        await running.server.stop()
        client.destroy()
        await Promise.allSettled([running.s3.stop(), running.pg.stop()])
        rmSync(work, { recursive: true, force: true })
      },
    }
  } catch (err) {
    await server?.kill()
    await Promise.allSettled([s3?.stop(), pg?.stop()])
    rmSync(work, { recursive: true, force: true })
    throw err
  }
}

/**
 * The bundled production server (apps/server/dist, built by startStack) as its own process,
 * against the given Postgres and S3 (either may be a counting proxy).
 */
export async function startServer(options: {
  logLevel: string
  databaseUrl: string
  s3: S3Config
  tusTempDir: string
  processes?: number
  nodeArgs?: string[]
  tus?: TusSettings
  /** Extra environment, e.g. UPLINK_WORKER=false. */
  env?: Record<string, string>
  /** Another server bundle's main.js (a before/after comparison); apps/server/dist by default. */
  entry?: string
}): Promise<{ baseUrl: string; server: RunningService }> {
  const port = await freePort()
  const baseUrl = `http://127.0.0.1:${port}`
  const entry = options.entry ?? join(root, 'apps/server/dist/main.js')
  const server = await spawnService({
    name: 'the server',
    command: 'node',
    args: [
      // As in production (`pnpm start`, the Dockerfile): its node flags, no --enable-source-maps.
      ...startFlags(entry),
      ...(options.nodeArgs ?? []),
      entry,
    ],
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: options.logLevel,
      DATABASE_URL: options.databaseUrl,
      S3_ENDPOINT: options.s3.endpoint,
      S3_REGION: options.s3.region,
      S3_BUCKET: options.s3.bucket,
      S3_ACCESS_KEY_ID: options.s3.accessKeyId,
      S3_SECRET_ACCESS_KEY: options.s3.secretAccessKey,
      UPLINK_JWT_SECRET: JWT_SECRET,
      UPLINK_TUS_TEMP_DIR: options.tusTempDir,
      // A CloudFront key of its own, so /cdn serves gallery images (the content section reads it).
      UPLINK_CDN_URL: `${baseUrl}/cdn`,
      UPLINK_CLOUDFRONT_KEY_PAIR_ID: 'UPLINK-BENCH',
      UPLINK_CLOUDFRONT_PRIVATE_KEY: generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
      UPLINK_PROCESSES: String(options.processes ?? 1),
      // The API load run sends thousands of presigns as a few users: measure the server,
      // not the per-user limits.
      UPLINK_RATE_LIMIT_UPLOADS: 'off',
      UPLINK_QUOTA_PENDING_UPLOADS: '0',
      UPLINK_QUOTA_UNFINISHED_UPLOADS: '0',
      UPLINK_QUOTA_BYTES_IN_FLIGHT: '0',
      // The bench's videos are an `ftyp` box and random bytes, which ffprobe rejects as not
      // playable (deleting them before the download leg): skip the video step, noted.
      UPLINK_FFPROBE_PATH: 'uplink-bench-has-no-ffprobe',
      ...(options.tus
        ? {
            UPLINK_TUS_PART_SIZE: String(options.tus.partSize),
            UPLINK_TUS_CONCURRENCY: String(options.tus.partsPerUpload),
          }
        : {}),
      ...options.env,
    },
    ready: async () => (await fetch(`${baseUrl}/healthz`)).ok,
    echoStderr: true,
  })
  return { baseUrl, server }
}

async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  let token: string | undefined
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }),
    )
    const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []))
    if (keys.length)
      await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys } }))
    token = page.IsTruncated ? page.NextContinuationToken : undefined
  } while (token)
}
