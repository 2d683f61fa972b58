import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { signDevToken } from '@uplink/api'
import {
  freePort,
  type RunningService,
  spawnService,
  startHaproxy,
  startPostgres,
  startVersitygw,
} from '@uplink/testing'
import { startFlags } from './server-flags.ts'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const serverEntry = join(root, 'apps/server/dist/main.js')
const JWT_SECRET = 'bench-secret-that-is-at-least-32-characters'

export interface ScaleStack {
  /** Each instance's own URL, and the balancer's in front of all three. */
  instances: { url: string; pid: number }[]
  balancerUrl: string
  databaseUrl: string
  token(userId: string): Promise<string>
  stop(): Promise<void>
}

/**
 * One Postgres, one versitygw, three production server processes (dist/main.js, pool of
 * `poolSize`) and HAProxy with deploy/haproxy.cfg in front of them.
 */
export async function startScaleStack(options: {
  logLevel: string
  poolSize: number
}): Promise<ScaleStack> {
  execFileSync('node', ['build.mjs'], { cwd: join(root, 'apps/server'), stdio: 'inherit' })
  const work = mkdtempSync(join(tmpdir(), 'uplink-bench-scale-'))
  const pg = await startPostgres()
  const s3 = await startVersitygw({ dataDir: join(work, 's3') })
  const services: RunningService[] = []
  const stop = async () => {
    await Promise.allSettled(services.map((s) => s.stop()))
    await Promise.allSettled([s3.stop(), pg.stop()])
    rmSync(work, { recursive: true, force: true })
  }
  try {
    const instances: { url: string; pid: number; port: number }[] = []
    for (let i = 0; i < 3; i++) {
      const port = await freePort()
      const service = await spawnService({
        name: `uplink ${i + 1}`,
        command: 'node',
        args: [...startFlags(serverEntry), serverEntry],
        env: {
          ...process.env,
          PORT: String(port),
          HOST: '127.0.0.1',
          LOG_LEVEL: options.logLevel,
          DATABASE_URL: pg.url,
          DATABASE_POOL_SIZE: String(options.poolSize),
          S3_ENDPOINT: s3.endpoint,
          S3_REGION: s3.region,
          S3_BUCKET: s3.bucket,
          S3_ACCESS_KEY_ID: s3.accessKeyId,
          S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
          UPLINK_JWT_SECRET: JWT_SECRET,
          UPLINK_TUS_TEMP_DIR: join(work, `tus-${i}`),
          UPLINK_TRUST_PROXY: 'true',
          UPLINK_WORKER: 'false',
          UPLINK_RATE_LIMIT_UPLOADS: 'off',
          UPLINK_QUOTA_PENDING_UPLOADS: '0',
          UPLINK_QUOTA_UNFINISHED_UPLOADS: '0',
          UPLINK_QUOTA_BYTES_IN_FLIGHT: '0',
        },
        ready: async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
      })
      services.push(service)
      instances.push({ url: `http://127.0.0.1:${port}`, pid: service.child.pid!, port })
    }
    const lbPort = await freePort()
    services.push(
      await startHaproxy({
        configFile: join(root, 'deploy/haproxy.cfg'),
        port: lbPort,
        env: {
          UPLINK_LB_PORT: String(lbPort),
          UPLINK_APP1_PORT: String(instances[0]!.port),
          UPLINK_APP2_PORT: String(instances[1]!.port),
          UPLINK_APP3_PORT: String(instances[2]!.port),
        },
      }),
    )
    return {
      instances,
      balancerUrl: `http://127.0.0.1:${lbPort}`,
      databaseUrl: pg.url,
      token: (userId) => signDevToken(JWT_SECRET, userId),
      stop,
    }
  } catch (err) {
    await stop()
    throw err
  }
}
