import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { createTRPCClient, httpLink } from '@trpc/client'
import { type AppRouter, signDevToken } from '@uplink/api'
import { testDatabase, testServices } from '@uplink/testing'
import { type Config, loadConfig } from '../../src/env.ts'
import { createLogger } from '../../src/logger.ts'
import { serve } from '../../src/serve.ts'
import { createServices, prepareToServe, type Services } from '../../src/services.ts'

export const JWT_SECRET = 'test-secret-that-is-at-least-32-characters-long'

export interface Harness {
  baseUrl: string
  services: Services
  /** Every log line the server wrote, as text. */
  logs: string[]
  token(userId: string): Promise<string>
  /** A typed tRPC client over real HTTP, signed in as `userId` (or anonymous). */
  client(userId?: string): Promise<ReturnType<typeof createTRPCClient<AppRouter>>>
  close(): Promise<void>
}

/**
 * Starts the real server (real Postgres database of its own, real S3) on a free port, or on
 * `options.port`; `options.configure` adjusts the loaded config (e.g. dev-only defaults).
 */
export async function startHarness(
  env: Record<string, string> = {},
  options: { port?: number; configure?: (config: Readonly<Config>) => Readonly<Config> } = {},
): Promise<Harness> {
  const { s3 } = testServices()
  const databaseUrl = await testDatabase()
  const loaded = loadConfig('production', {
    DATABASE_URL: databaseUrl,
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: s3.region,
    S3_BUCKET: s3.bucket,
    S3_ACCESS_KEY_ID: s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
    UPLINK_JWT_SECRET: JWT_SECRET,
    LOG_LEVEL: 'info',
    // Content checks would reject the random test bytes behind a test's back; the tests of
    // checks turn the worker on.
    UPLINK_WORKER: 'false',
    ...env,
  })
  const config = options.configure ? options.configure(loaded) : loaded
  const logs: string[] = []
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs.push(chunk.toString())
      done()
    },
  })
  const log = createLogger(config.logLevel, sink)
  const services = createServices(
    config,
    { databaseUrl: config.databaseUrl ?? databaseUrl, s3: config.s3! },
    log,
  )
  await prepareToServe(services)
  const server = await serve(services, {
    host: '127.0.0.1',
    port: options.port ?? 0,
    log,
    handleSignals: false,
  })
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const token = (userId: string) => signDevToken(JWT_SECRET, userId)
  return {
    baseUrl,
    services,
    logs,
    token,
    async client(userId) {
      const auth = userId ? `Bearer ${await token(userId)}` : undefined
      return createTRPCClient<AppRouter>({
        links: [httpLink({ url: `${baseUrl}/trpc`, headers: auth ? { authorization: auth } : {} })],
      })
    },
    async close() {
      server.closeAllConnections()
      await new Promise((r) => server.close(r))
      await services.close()
    },
  }
}
