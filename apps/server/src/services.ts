import { createAuthenticate } from '@uplink/api'
import { createDb, migrateToLatest } from '@uplink/db'
import { createStorage } from '@uplink/storage'
import type { Logger } from 'pino'
import type { AppDeps } from './app.ts'
import type { Config } from './env.ts'

export interface S3Settings {
  endpoint: string | undefined
  region: string
  bucket: string
  credentials: { accessKeyId: string; secretAccessKey: string }
  forcePathStyle: boolean
}

export interface Services extends AppDeps {
  close(): Promise<void>
}

/**
 * Wires config into packages: one Kysely, one S3 client, one token check. Runs migrations.
 * `databaseUrl` and `s3` are passed separately so dev mode can supply embedded ones.
 */
export async function createServices(
  config: Config,
  resolved: { databaseUrl: string; s3: S3Settings; jwtSecret?: string | undefined },
  log: Logger,
): Promise<Services> {
  const db = createDb({ url: resolved.databaseUrl, maxConnections: config.databasePoolSize })
  const storage = createStorage(resolved.s3)
  try {
    const applied = await migrateToLatest(db)
    if (applied.length) log.info({ applied }, 'database migrated')
    if (config.mode === 'development') await storage.ensureBucket()
    if (config.webOrigins.length) await storage.configureCors(config.webOrigins)
  } catch (err) {
    await db.destroy()
    storage.destroy()
    throw err
  }
  const authenticate = createAuthenticate({
    ...config.auth,
    ...(resolved.jwtSecret ? { jwtSecret: resolved.jwtSecret } : {}),
  })
  return {
    db,
    storage,
    authenticate,
    policies: config.policies,
    expiries: config.expiries,
    log,
    trustProxy: config.trustProxy,
    async close() {
      await db.destroy()
      storage.destroy()
    },
  }
}
