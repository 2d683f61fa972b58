import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  freePort,
  type RunningService,
  type S3Config,
  spawnService,
  startHaproxy,
} from '@uplink/launchers'
import { JWT_SECRET } from './harness.ts'

const serverDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
/** The file the scale test runs HAProxy with: the one operators are pointed at. */
export const HAPROXY_CFG = resolve(serverDir, '../../deploy/haproxy.cfg')

/** One production server process (`node dist/main.js`) on a fixed port, restartable. */
export interface Instance {
  port: number
  url: string
  service: RunningService
  /** Everything the current process printed (JSON log lines, and a crash's stack). */
  output(): string
  /** Starts it again on the same port (after a kill or stop). */
  restart(): Promise<void>
}

/** The environment of a production instance on `databaseUrl` and `s3` (worker off by default). */
export function instanceEnv(
  databaseUrl: string,
  s3: S3Config,
  env: Record<string, string> = {},
): Record<string, string> {
  return {
    DATABASE_URL: databaseUrl,
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: s3.region,
    S3_BUCKET: s3.bucket,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    UPLINK_JWT_SECRET: JWT_SECRET,
    UPLINK_WORKER: 'false',
    LOG_LEVEL: 'info',
    ...env,
  }
}

/** Starts the production bundle with `env` on a free port; ready when /readyz answers 200. */
export async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort()
  const tempDir = mkdtempSync(join(tmpdir(), 'uplink-scale-'))
  let output = ''
  const start = () => {
    output = ''
    return spawnService({
      name: `uplink on ${port}`,
      command: 'node',
      args: [join(serverDir, 'dist/main.js')],
      env: {
        ...process.env,
        ...env,
        PORT: String(port),
        HOST: '127.0.0.1',
        UPLINK_TUS_TEMP_DIR: tempDir,
      },
      ready: async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
      timeoutMs: 600_000, // a safety net for a loaded machine (over 120 s at load 45-65)
      onOutput: (chunk) => {
        output += chunk.toString()
      },
    })
  }
  const instance: Instance = {
    port,
    url: `http://127.0.0.1:${port}`,
    output: () => output,
    service: await start(),
    async restart() {
      instance.service = await start()
    },
  }
  return instance
}

/** HAProxy with deploy/haproxy.cfg in front of exactly three instances. */
export async function startBalancer(instances: Instance[]) {
  if (instances.length !== 3) throw new Error('deploy/haproxy.cfg names three instances')
  const port = await freePort()
  const service = await startHaproxy({
    configFile: HAPROXY_CFG,
    port,
    env: {
      UPLINK_LB_PORT: String(port),
      UPLINK_APP1_PORT: String(instances[0]!.port),
      UPLINK_APP2_PORT: String(instances[1]!.port),
      UPLINK_APP3_PORT: String(instances[2]!.port),
    },
  })
  return { url: `http://127.0.0.1:${port}`, service }
}
