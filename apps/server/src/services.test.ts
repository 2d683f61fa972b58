import { Writable } from 'node:stream'
import { freePort } from '@uplink/launchers'
import { describe, expect, it } from 'vitest'
import { loadConfig } from './env.ts'
import { createLogger } from './logger.ts'
import { createServices, prepareToServe } from './services.ts'

/** Production config whose Postgres and S3 are a loopback port nothing listens on. */
async function unreachable() {
  const port = await freePort()
  const config = loadConfig('production', {
    DATABASE_URL: `postgres://uplink:uplink@127.0.0.1:${port}/uplink`,
    S3_ENDPOINT: `http://127.0.0.1:${port}`,
    S3_ACCESS_KEY_ID: 'id',
    S3_SECRET_ACCESS_KEY: 'secret',
    UPLINK_JWT_SECRET: 'services-test-secret-at-least-32-characters',
    UPLINK_WEB_ORIGINS: 'http://127.0.0.1:5173',
    UPLINK_CLEANUP_INTERVAL_MINUTES: '1',
  })
  const lines: string[] = []
  const log = createLogger(
    'info',
    new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString())
        done()
      },
    }),
  )
  return { config, log, lines, resolved: { databaseUrl: config.databaseUrl!, s3: config.s3! } }
}

describe('createServices', () => {
  it('builds every service without reaching Postgres or S3, and closes cleanly', async () => {
    const { config, log, lines, resolved } = await unreachable()
    const services = createServices(config, resolved, log)
    expect(services).not.toBeInstanceOf(Promise)
    expect(services.events.worker).toBeDefined()
    await services.close()
    expect(lines).toEqual([])
  })

  it('prepareToServe reaches the database first and fails start-up when it is down', async () => {
    const { config, log, resolved } = await unreachable()
    const services = createServices(config, resolved, log)
    await expect(prepareToServe(services)).rejects.toThrow(/migration/)
  })
})
