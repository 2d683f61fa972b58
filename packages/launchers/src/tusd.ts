import { readFileSync } from 'node:fs'
import { freePort } from './free-port.ts'
import { ensureScript, pinnedBinary } from './pinned-tool.ts'
import { type RunningService, spawnService } from './spawn-service.ts'
import type { S3Config } from './versitygw.ts'

/**
 * The tusd version the bench pins (scripts/ensure-tusd.sh is the one place it is named). Read
 * when asked, not at import: a production install imports this package without the scripts.
 */
export function tusdVersion(): string {
  return /^VERSION=(\S+)$/m.exec(readFileSync(ensureScript('tusd'), 'utf8'))?.[1] ?? 'unknown'
}

/** Finds the pinned tusd in .tools/bin, installing it there first if needed. */
export function tusdBinary(): string {
  return pinnedBinary('tusd')
}

export interface StartTusdOptions {
  /** The S3 server and bucket tusd stores uploads in (its endpoint may be a proxy). */
  s3: S3Config
  /** Bytes per S3 part (`-s3-part-size`). */
  partSize: number
  /** Parts sent to S3 at once, for the whole process (`-s3-concurrent-part-uploads`). */
  concurrentPartUploads: number
  /** Skip the MD5 and SHA-256 of each part (`-s3-disable-content-hashes`); off by default. */
  disableContentHashes?: boolean
  /** Where tusd buffers parts on disk (TMPDIR); the system's temp dir by default. */
  tempDir?: string
  /** Copy tusd's log to our stderr (it logs every request with -verbose). */
  echoStderr?: boolean
}

export interface RunningTusd extends RunningService {
  /** The tus endpoint, e.g. `http://127.0.0.1:1080/files/`. */
  url: string
}

/**
 * Starts tusd v2 with its S3 store on a free loopback port: `-base-path /files/`, path-style
 * requests to `s3.endpoint`, credentials from the AWS_ environment variables (the SDK's chain).
 */
export async function startTusd(options: StartTusdOptions): Promise<RunningTusd> {
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const service = await spawnService({
    name: 'tusd',
    command: tusdBinary(),
    args: [
      '-host',
      '127.0.0.1',
      '-port',
      String(port),
      '-base-path',
      '/files/',
      '-s3-bucket',
      options.s3.bucket,
      '-s3-endpoint',
      options.s3.endpoint,
      '-s3-part-size',
      String(options.partSize),
      '-s3-concurrent-part-uploads',
      String(options.concurrentPartUploads),
      `-s3-disable-content-hashes=${options.disableContentHashes === true}`,
      '-verbose=false',
      '-show-startup-logs=false',
    ],
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: options.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: options.s3.secretAccessKey,
      AWS_REGION: options.s3.region,
      ...(options.tempDir ? { TMPDIR: options.tempDir } : {}),
    },
    ready: async () => (await fetch(`${base}/metrics`).catch(() => undefined))?.ok === true,
    ...(options.echoStderr ? { echoStderr: true } : {}),
  })
  return { ...service, url: `${base}/files/` }
}
