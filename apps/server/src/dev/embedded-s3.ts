import { join } from 'node:path'
import { freePort, type RunningS3, startVersitygw } from '@uplink/launchers'
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
