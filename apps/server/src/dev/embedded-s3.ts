import { join } from 'node:path'
import { freePort, type RunningS3, startVersitygw } from '@uplink/testing'
import type { S3Settings } from '../services.ts'
import { dataDir } from './paths.ts'

const DEV_PORT = 7070

/** versitygw as a child process with its data under .data/s3, so dev uploads persist. */
export async function startEmbeddedS3(): Promise<RunningS3> {
  const port = await portOr(DEV_PORT)
  return startVersitygw({
    dataDir: join(dataDir, 's3'),
    port,
    bucket: 'uplink',
    accessKeyId: 'uplink-dev',
    secretAccessKey: 'uplink-dev-secret-key',
  })
}

async function portOr(preferred: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${preferred}`).catch(() => undefined)
  return res ? freePort() : preferred
}

/** The embedded gateway as storage settings. */
export function s3SettingsOf(s3: RunningS3): S3Settings {
  return {
    endpoint: s3.endpoint,
    region: s3.region,
    bucket: s3.bucket,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
    forcePathStyle: true,
  }
}
