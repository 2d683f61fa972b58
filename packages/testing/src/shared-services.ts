import { type S3Config, startPostgres, startVersitygw } from '@uplink/launchers'

/**
 * The variable through which `pnpm test` hands its one Postgres and S3 to every package's
 * global setup. Not DATABASE_URL / S3_*: servers the tests spawn with `...process.env` would
 * pick those up as their own config.
 */
export const SHARED_SERVICES_ENV = 'UPLINK_TEST_SERVICES'

export interface SharedServices {
  /** A Postgres server URL (the `postgres` database); each test file creates its own database. */
  databaseUrl?: string
  /** An S3 server; each vitest run (one package) creates its own bucket on it. */
  s3?: S3Config
}

/** The services named by UPLINK_TEST_SERVICES, if `pnpm test` started them. */
export function sharedServices(env: NodeJS.ProcessEnv = process.env): SharedServices {
  const text = env[SHARED_SERVICES_ENV]
  if (!text) return {}
  try {
    return JSON.parse(text) as SharedServices
  } catch (err) {
    throw new Error(`${SHARED_SERVICES_ENV} must be JSON ({ databaseUrl, s3 }): ${err}`)
  }
}

export interface RunningSharedServices {
  env: Record<string, string>
  stop(): Promise<void>
}

/**
 * Starts one Postgres and one versitygw for a whole `pnpm test` run, except those the caller
 * already names with DATABASE_URL or S3_ENDPOINT (the global setups use those themselves).
 */
export async function startSharedServices(
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningSharedServices> {
  const [pg, s3] = await Promise.allSettled([
    // Every package's test files connect at once: 200 (one package's worth) is not enough.
    env.DATABASE_URL ? undefined : startPostgres({ maxConnections: 1000 }),
    env.S3_ENDPOINT ? undefined : startVersitygw(),
  ])
  const stop = async () => {
    await Promise.allSettled([
      pg.status === 'fulfilled' ? pg.value?.stop() : undefined,
      s3.status === 'fulfilled' ? s3.value?.stop() : undefined,
    ])
  }
  if (pg.status === 'rejected' || s3.status === 'rejected') {
    await stop()
    throw pg.status === 'rejected' ? pg.reason : (s3 as PromiseRejectedResult).reason
  }
  const services: SharedServices = {}
  if (pg.value) services.databaseUrl = pg.value.url
  if (s3.value) {
    const { stop: _stop, kill: _kill, restart: _restart, ...config } = s3.value
    services.s3 = config
  }
  return { env: { [SHARED_SERVICES_ENV]: JSON.stringify(services) }, stop }
}
