import { randomBytes } from 'node:crypto'
import {
  createBucket,
  type RunningPostgres,
  type RunningS3,
  type S3Config,
  startMinio,
  startPostgres,
  startVersitygw,
} from '@uplink/launchers'
import type { TestProject } from 'vitest/node'
import { sharedServices } from './shared-services.ts'

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
 * Vitest global setup: real Postgres and real S3 for the whole run. In order of preference: the
 * S3 server named by UPLINK_TEST_S3 (`minio`, `versitygw`) in the project's `test.env` (one
 * vitest run holds a project per store) or the environment, started for this run; the pair the
 * root `pnpm test` started for every package (UPLINK_TEST_SERVICES; this run gets its own
 * bucket there), the ones named by DATABASE_URL / S3_ENDPOINT (+ S3_ACCESS_KEY_ID,
 * S3_SECRET_ACCESS_KEY, S3_BUCKET, S3_REGION), or servers of its own (`vitest` in one package).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const env = process.env
  const shared = sharedServices(env)
  const chosen = project.config.env?.UPLINK_TEST_S3 ?? env.UPLINK_TEST_S3
  if (chosen !== undefined && !(chosen in S3_SERVERS)) {
    throw new Error(`UPLINK_TEST_S3 must be ${Object.keys(S3_SERVERS).join(' or ')}, got ${chosen}`)
  }
  let pgServer: RunningPostgres | undefined
  let s3Server: RunningS3 | undefined
  try {
    if (!shared.databaseUrl && !env.DATABASE_URL) pgServer = await startPostgres()
    const databaseUrl = shared.databaseUrl ?? env.DATABASE_URL ?? pgServer?.url ?? ''
    let s3: S3Config
    if (!chosen && shared.s3) {
      // A bucket per package run, as when each had its own server: a test that sweeps the
      // bucket (expiry, reconcile) never meets another package's objects.
      s3 = await createBucket(shared.s3, `uplink-${randomBytes(6).toString('hex')}`)
    } else if (!chosen && env.S3_ENDPOINT) {
      s3 = {
        endpoint: env.S3_ENDPOINT,
        region: env.S3_REGION ?? 'us-east-1',
        bucket: env.S3_BUCKET ?? 'uplink',
        accessKeyId: required('S3_ACCESS_KEY_ID'),
        secretAccessKey: required('S3_SECRET_ACCESS_KEY'),
      }
    } else {
      s3Server = await S3_SERVERS[(chosen ?? 'versitygw') as keyof typeof S3_SERVERS]()
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
