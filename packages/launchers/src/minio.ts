import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CreateBucketCommand } from '@aws-sdk/client-s3'
import { freePort } from './free-port.ts'
import { pinnedBinary } from './pinned-tool.ts'
import { spawnService } from './spawn-service.ts'
import { type RunningS3, type S3Config, type StartS3Options, s3Client } from './versitygw.ts'

/** Finds minio on PATH or in .tools/bin, installing the pinned version if needed. */
export function minioBinary(): string {
  return pinnedBinary('minio')
}

/**
 * Starts MinIO (one drive) on a free loopback port and creates the bucket. Its root user's keys
 * are the returned ones; its STS endpoint (`assumeRole`) mints temporary credentials.
 */
export async function startMinio(
  options: Omit<StartS3Options, 'extraArgs'> = {},
): Promise<RunningS3> {
  const ownsDir = !options.dataDir
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'uplink-minio-'))
  const config: S3Config = {
    endpoint: '',
    region: 'us-east-1',
    bucket: options.bucket ?? 'uplink',
    accessKeyId: options.accessKeyId ?? `test${randomBytes(6).toString('hex')}`,
    secretAccessKey: options.secretAccessKey ?? randomBytes(24).toString('hex'),
  }
  const bin = minioBinary()
  const port = options.port ?? (await freePort())
  const consolePort = await freePort()

  const launch = async () => {
    config.endpoint = `http://127.0.0.1:${port}`
    const service = await spawnService({
      name: 'minio',
      command: bin,
      args: [
        'server',
        '--quiet',
        '--address',
        `127.0.0.1:${port}`,
        '--console-address',
        `127.0.0.1:${consolePort}`,
        dir,
      ],
      env: {
        ...process.env,
        MINIO_ROOT_USER: config.accessKeyId,
        MINIO_ROOT_PASSWORD: config.secretAccessKey,
        MINIO_REGION: config.region,
        MINIO_BROWSER: 'off',
        MINIO_UPDATE: 'off',
        MINIO_CI_CD: '1',
      },
      timeoutMs: 60_000,
      ready: async () => {
        const res = await fetch(`${config.endpoint}/minio/health/ready`).catch(() => undefined)
        return res?.ok === true
      },
    })
    const client = s3Client(config)
    try {
      await client
        .send(new CreateBucketCommand({ Bucket: config.bucket }))
        .catch((err: { name?: string }) => {
          if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists')
            throw err
        })
    } catch (err) {
      await service.kill('SIGTERM')
      throw err
    } finally {
      client.destroy()
    }
    return (signal: NodeJS.Signals = 'SIGTERM') => service.kill(signal)
  }

  let kill = await launch()
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
      kill = await launch()
    },
  }
}
