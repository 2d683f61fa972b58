import {
  type RunningPostgres,
  type RunningS3,
  type S3Config,
  startMinio,
  startPostgres,
  startVersitygw,
} from '@uplink/launchers'
import type { TestProject } from 'vitest/node'

export interface TestServices {
  /** A Postgres server URL (the `postgres` database); tests create their own databases on it. */
  databaseUrl: string
  s3: S3Config
}

declare module 'vitest' {
  export interface ProvidedContext {
    uplink: TestServices
  }
}

/** The S3 servers the suites can start: `UPLINK_TEST_S3=minio` picks MinIO (default versitygw). */
const S3_SERVERS = { versitygw: startVersitygw, minio: startMinio } as const

/**
 * Vitest global setup: real Postgres and real S3 for the whole run, or the ones named by
 * DATABASE_URL / S3_ENDPOINT (+ S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_BUCKET, S3_REGION).
 * The S3 started is versitygw, or MinIO with `UPLINK_TEST_S3=minio`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = process.env
  let pgServer: RunningPostgres | undefined
  let s3Server: RunningS3 | undefined
  try {
    if (!env.DATABASE_URL) pgServer = await startPostgres()
    const databaseUrl = env.DATABASE_URL ?? pgServer?.url ?? ''
    let s3: S3Config
    if (env.S3_ENDPOINT) {
      s3 = {
        endpoint: env.S3_ENDPOINT,
        region: env.S3_REGION ?? 'us-east-1',
        bucket: env.S3_BUCKET ?? 'uplink',
        accessKeyId: required('S3_ACCESS_KEY_ID'),
        secretAccessKey: required('S3_SECRET_ACCESS_KEY'),
      }
    } else {
      const name = env.UPLINK_TEST_S3 ?? 'versitygw'
      if (!(name in S3_SERVERS)) {
        throw new Error(
          `UPLINK_TEST_S3 must be ${Object.keys(S3_SERVERS).join(' or ')}, got ${name}`,
        )
      }
      s3Server = await S3_SERVERS[name as keyof typeof S3_SERVERS]()
      const { stop: _stop, kill: _kill, restart: _restart, ...config } = s3Server
      s3 = config
    }
    project.provide('uplink', { databaseUrl, s3 })
  } catch (err) {
    await Promise.allSettled([pgServer?.stop(), s3Server?.stop()])
    throw err
  }
  return async () => {
    await Promise.allSettled([pgServer?.stop(), s3Server?.stop()])
  }
}

function required(name: string): string {
  const value = process.env[name]
  if (!value) throw new Error(`${name} must be set when S3_ENDPOINT is set`)
  return value
}
