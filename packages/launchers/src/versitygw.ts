import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3'
import { freePort } from './free-port.ts'
import { pinnedBinary } from './pinned-tool.ts'
import { spawnService } from './spawn-service.ts'

export interface S3Config {
  endpoint: string
  region: string
  bucket: string
  accessKeyId: string
  secretAccessKey: string
}

export interface RunningS3 extends S3Config {
  stop(): Promise<void>
  /** Kills the gateway (SIGKILL by default) and leaves its data in place. */
  kill(signal?: NodeJS.Signals): Promise<void>
  /** Starts it again (after `kill`, or kills it first) on the same port, data dir and keys. */
  restart(): Promise<void>
}

/** Finds versitygw on PATH or in .tools/bin, installing the pinned version if needed. */
export function versitygwBinary(): string {
  return pinnedBinary('versitygw')
}

export interface StartS3Options {
  /** Where the posix backend keeps objects; a temp dir by default (removed on stop). */
  dataDir?: string
  port?: number
  bucket?: string
  accessKeyId?: string
  secretAccessKey?: string
  /** Extra versitygw flags, e.g. `--event-webhook-url`. */
  extraArgs?: string[]
}

/**
 * Starts versitygw (posix backend) on a free loopback port and creates the bucket.
 * Falls back to a sidecar metadata dir when the filesystem has no user xattrs.
 */
export async function startVersitygw(options: StartS3Options = {}): Promise<RunningS3> {
  const ownsDir = !options.dataDir
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'uplink-s3-'))
  const root = join(dir, 'root')
  mkdirSync(root, { recursive: true })
  const config: S3Config = {
    endpoint: '',
    region: 'us-east-1',
    bucket: options.bucket ?? 'uplink',
    accessKeyId: options.accessKeyId ?? `test${randomBytes(6).toString('hex')}`,
    secretAccessKey: options.secretAccessKey ?? randomBytes(24).toString('hex'),
  }
  const bin = versitygwBinary()

  // One gateway process; `restart` runs `launch` again with the same port and mode.
  const launch = async (sidecar: boolean, port: number) => {
    config.endpoint = `http://127.0.0.1:${port}`
    const args = [
      '--port',
      `127.0.0.1:${port}`,
      '--access',
      config.accessKeyId,
      '--secret',
      config.secretAccessKey,
      '--region',
      config.region,
      '--quiet',
      ...(options.extraArgs ?? []),
      'posix',
      ...(sidecar ? ['--sidecar', join(dir, 'meta')] : []),
      root,
    ]
    if (sidecar) mkdirSync(join(dir, 'meta'), { recursive: true })
    const service = await spawnService({
      name: 'versitygw',
      command: bin,
      args,
      ready: async () => (await fetch(config.endpoint).catch(() => undefined)) !== undefined,
    })
    const kill = async (signal: NodeJS.Signals = 'SIGTERM') => service.kill(signal)
    try {
      await createBucket(config, config.bucket)
      return kill
    } catch (err) {
      await kill()
      throw err
    }
  }

  for (const sidecar of [false, true]) {
    const port = options.port ?? (await freePort())
    let kill: (signal?: NodeJS.Signals) => Promise<void>
    try {
      kill = await launch(sidecar, port)
    } catch (err) {
      if (sidecar) throw err
      continue
    }
    return {
      ...config,
      async stop() {
        await kill()
        if (ownsDir) rmSync(dir, { recursive: true, force: true })
      },
      async kill(signal = 'SIGKILL') {
        await kill(signal)
      },
      async restart() {
        await kill('SIGKILL')
        kill = await launch(sidecar, port)
      },
    }
  }
  throw new Error('unreachable')
}

/**
 * Creates `bucket` on the server of `config` (an existing one of ours is fine) and proves
 * objects can be written there: versitygw keeps their metadata in xattrs.
 */
export async function createBucket(config: S3Config, bucket: string): Promise<S3Config> {
  const client = s3Client(config)
  try {
    await client
      .send(new CreateBucketCommand({ Bucket: bucket }))
      .catch((err: { name?: string }) => {
        if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') throw err
      })
    await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: '.probe',
        Body: 'ok',
        ContentType: 'text/plain',
      }),
    )
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: '.probe' }))
    return { ...config, bucket }
  } finally {
    client.destroy()
  }
}

/** An S3 client for test assertions (path-style, as versitygw needs). */
export function s3Client(config: S3Config): S3Client {
  return new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: true,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
  })
}

/** Storage settings (as `createStorage` takes them) for a test S3 server. */
export function storageSettings(config: S3Config) {
  return {
    endpoint: config.endpoint,
    region: config.region,
    bucket: config.bucket,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    forcePathStyle: true,
  }
}
