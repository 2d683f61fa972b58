import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './env.ts'

describe('loadConfig', () => {
  it('runs development with no configuration at all', () => {
    const config = loadConfig('development', {})
    expect(config.databaseUrl).toBeUndefined()
    expect(config.s3).toBeUndefined()
    expect(config.expiries).toEqual({ upload: 600, download: 120 })
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('names every missing variable in production', () => {
    expect(() => loadConfig('production', {})).toThrow(
      /DATABASE_URL.*UPLINK_JWT_SECRET or UPLINK_JWKS_URL.*S3_ACCESS_KEY_ID.*S3_SECRET_ACCESS_KEY/,
    )
  })

  it('names the bad variable and says what is wrong with it', () => {
    const run = () => loadConfig('development', { UPLINK_DOWNLOAD_URL_TTL: '3600', PORT: 'abc' })
    expect(run).toThrow(ConfigError)
    expect(run).toThrow(/PORT:/)
    expect(run).toThrow(/UPLINK_DOWNLOAD_URL_TTL:/)
  })

  it('refuses a short JWT secret and policies that are not valid JSON', () => {
    expect(() => loadConfig('development', { UPLINK_JWT_SECRET: 'short' })).toThrow(
      /UPLINK_JWT_SECRET: must be at least 32/,
    )
    expect(() => loadConfig('development', { UPLINK_POLICIES: '{' })).toThrow(
      /UPLINK_POLICIES: must be JSON/,
    )
  })

  it('keeps S3 checksums on unless S3_CHECKSUMS=false opts out', () => {
    expect(loadConfig('development', {}).s3Checksums).toBe(true)
    expect(loadConfig('development', { S3_CHECKSUMS: 'false' }).s3Checksums).toBe(false)
    expect(() => loadConfig('development', { S3_CHECKSUMS: 'off' })).toThrow(/S3_CHECKSUMS:/)
  })

  it('reads quotas and the upload rate limit as N/SECONDS or off, with defaults', () => {
    const defaults = loadConfig('development', {})
    expect(defaults.quotas).toEqual({
      pendingUploads: 100,
      unfinishedUploads: 20,
      bytesInFlight: 200 * 1024 ** 3,
      storedBytesPerPurpose: 0,
    })
    expect(defaults.uploadRateLimit).toEqual({ points: 30, durationSeconds: 10 })
    const set = loadConfig('development', {
      UPLINK_RATE_LIMIT_UPLOADS: '5/60',
      UPLINK_QUOTA_PENDING_UPLOADS: '0',
    })
    expect(set.uploadRateLimit).toEqual({ points: 5, durationSeconds: 60 })
    expect(set.quotas.pendingUploads).toBe(0)
    expect(loadConfig('development', { UPLINK_RATE_LIMIT_UPLOADS: 'off' }).uploadRateLimit).toBe(
      undefined,
    )
    for (const bad of ['30', '30/0', 'ten/10']) {
      expect(() => loadConfig('development', { UPLINK_RATE_LIMIT_UPLOADS: bad })).toThrow(
        /UPLINK_RATE_LIMIT_UPLOADS: /,
      )
    }
    expect(() => loadConfig('development', { UPLINK_QUOTA_BYTES_IN_FLIGHT: '-1' })).toThrow(
      /UPLINK_QUOTA_BYTES_IN_FLIGHT:/,
    )
  })

  it('refuses a sync-inspected purpose without clamd, or larger than clamd takes', () => {
    const policies = (maxBytes: number) =>
      JSON.stringify({
        scan: { contentTypes: ['application/pdf'], maxBytes, methods: ['tus'], inspection: 'sync' },
      })
    expect(() => loadConfig('development', { UPLINK_POLICIES: policies(1000) })).toThrow(
      /purpose "scan" has inspection "sync", which needs a virus scanner; set UPLINK_CLAMD/,
    )
    const big = { UPLINK_POLICIES: policies(2000), UPLINK_CLAMD: '127.0.0.1:3310' }
    expect(() => loadConfig('development', { ...big, UPLINK_SCAN_MAX_BYTES: '1000' })).toThrow(
      /maxBytes 2000, over UPLINK_SCAN_MAX_BYTES \(1000\)/,
    )
    expect(loadConfig('development', big).policies.scan?.inspection).toBe('sync')
  })
})
