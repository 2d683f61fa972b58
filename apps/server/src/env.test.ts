import { generateKeyPairSync } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './env.ts'

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048 })
const pem = (key: ReturnType<typeof rsa>['privateKey' | 'publicKey']) =>
  key.export({ type: key.type === 'private' ? 'pkcs8' : 'spki', format: 'pem' }).toString()

describe('loadConfig', () => {
  it('runs development with no configuration at all', () => {
    const config = loadConfig('development', {})
    expect(config.databaseUrl).toBeUndefined()
    expect(config.s3).toBeUndefined()
    expect(config.expiries).toEqual({ upload: 600, download: 120, gallery: 600 })
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('gives a claimed job a 30 s lease by default, so a job of a dead worker is claimed again within a minute', () => {
    expect(loadConfig('development', {}).events.jobLeaseMs).toBe(30_000)
    expect(loadConfig('development', { UPLINK_JOB_LEASE_SECONDS: '2' }).events.jobLeaseMs).toBe(
      2000,
    )
  })

  it('locks tus uploads in process only when UPLINK_TUS_SINGLE_INSTANCE says so, and never with several processes', () => {
    expect(loadConfig('development', {}).tus.singleInstance).toBe(false)
    expect(
      loadConfig('development', { UPLINK_TUS_SINGLE_INSTANCE: 'true' }).tus.singleInstance,
    ).toBe(true)
    expect(() =>
      loadConfig('development', { UPLINK_TUS_SINGLE_INSTANCE: 'true', UPLINK_PROCESSES: '2' }),
    ).toThrow(/UPLINK_TUS_SINGLE_INSTANCE=true needs UPLINK_PROCESSES=1/)
  })

  it('names every missing variable in production', () => {
    expect(() => loadConfig('production', {})).toThrow(
      /DATABASE_URL.*UPLINK_JWT_SECRET or UPLINK_JWKS_URL/,
    )
  })

  describe('S3 credentials', () => {
    const production = { DATABASE_URL: 'postgres://db/uplink', UPLINK_JWT_SECRET: 'x'.repeat(32) }

    it('uses the AWS SDK default credential chain when no static keys are set', () => {
      const { s3 } = loadConfig('production', production)
      expect(s3).toMatchObject({ bucket: 'uplink', region: 'us-east-1', endpoint: undefined })
      expect(s3?.credentials).toBeUndefined()
      const local = loadConfig('development', { S3_ENDPOINT: 'http://127.0.0.1:9000' })
      expect(local.s3).toMatchObject({ endpoint: 'http://127.0.0.1:9000', credentials: undefined })
    })

    it('takes static keys with a session token (S3_SESSION_TOKEN)', () => {
      const { s3 } = loadConfig('production', {
        ...production,
        S3_ACCESS_KEY_ID: 'ASIAEXAMPLE',
        S3_SECRET_ACCESS_KEY: 'secret',
        S3_SESSION_TOKEN: 'token',
      })
      expect(s3?.credentials).toEqual({
        accessKeyId: 'ASIAEXAMPLE',
        secretAccessKey: 'secret',
        sessionToken: 'token',
      })
    })

    it('names the other half of a static key pair when only one is set', () => {
      expect(() => loadConfig('production', { ...production, S3_ACCESS_KEY_ID: 'k' })).toThrow(
        /set S3_SECRET_ACCESS_KEY/,
      )
      expect(() => loadConfig('development', { S3_SESSION_TOKEN: 't' })).toThrow(
        /set S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY/,
      )
    })
  })

  it('reads UPLINK_PUBLIC_URL without a trailing slash and refuses one with a query', () => {
    expect(loadConfig('development', {}).publicUrl).toBeUndefined()
    const config = loadConfig('development', { UPLINK_PUBLIC_URL: 'https://uplink.example.com/' })
    expect(config.publicUrl).toBe('https://uplink.example.com')
    expect(() => loadConfig('development', { UPLINK_PUBLIC_URL: 'https://u.example?x=1' })).toThrow(
      /UPLINK_PUBLIC_URL: must have no query or fragment/,
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

  it('sends the tus store hot S3 calls through the lean client unless UPLINK_TUS_S3_CLIENT=sdk', () => {
    expect(loadConfig('development', {}).tus.s3Client).toBe('lean')
    expect(loadConfig('development', { UPLINK_TUS_S3_CLIENT: 'sdk' }).tus.s3Client).toBe('sdk')
    expect(() => loadConfig('development', { UPLINK_TUS_S3_CLIENT: 'aws' })).toThrow(
      /UPLINK_TUS_S3_CLIENT:/,
    )
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

  describe('CloudFront signed cookies', () => {
    const pair = rsa()
    const production = {
      DATABASE_URL: 'postgres://db/uplink',
      UPLINK_JWT_SECRET: 'x'.repeat(32),
      S3_ACCESS_KEY_ID: 'k',
      S3_SECRET_ACCESS_KEY: 's',
    }

    it('is off when nothing is set, and the cookie TTL defaults to 10 minutes', () => {
      const { cdn, expiries } = loadConfig('production', production)
      expect(cdn.signer).toBeUndefined()
      expect(cdn.publicKeys.size).toBe(0)
      expect(expiries.gallery).toBe(600)
      expect(() => loadConfig('production', { ...production, UPLINK_CDN_COOKIE_TTL: '0' })).toThrow(
        /UPLINK_CDN_COOKIE_TTL:/,
      )
    })

    it('reads the private key as PEM text or a file path and derives the verifier key', () => {
      const dir = mkdtempSync(join(tmpdir(), 'uplink-env-'))
      writeFileSync(join(dir, 'pk.pem'), pem(pair.privateKey))
      for (const key of [pem(pair.privateKey), join(dir, 'pk.pem')]) {
        const { cdn } = loadConfig('production', {
          ...production,
          UPLINK_CDN_URL: 'https://cdn.example.com/',
          UPLINK_CLOUDFRONT_KEY_PAIR_ID: 'K2JCJMDEHXQW5F',
          UPLINK_CLOUDFRONT_PRIVATE_KEY: key,
        })
        expect(cdn.url).toBe('https://cdn.example.com')
        expect(cdn.signer?.keyPairId).toBe('K2JCJMDEHXQW5F')
        expect(cdn.publicKeys.get('K2JCJMDEHXQW5F')?.equals(pair.publicKey)).toBe(true)
      }
    })

    it('names the variables a half-done setup still needs', () => {
      expect(() =>
        loadConfig('production', { ...production, UPLINK_CDN_URL: 'https://cdn.example.com' }),
      ).toThrow(/set UPLINK_CLOUDFRONT_PRIVATE_KEY/)
      expect(() =>
        loadConfig('production', {
          ...production,
          UPLINK_CLOUDFRONT_PRIVATE_KEY: pem(pair.privateKey),
        }),
      ).toThrow(/UPLINK_CLOUDFRONT_KEY_PAIR_ID, UPLINK_CDN_URL/)
    })

    it('runs a verifier-only deployment from the public key alone, at its configured URL', () => {
      const verifierOnly = {
        ...production,
        UPLINK_CLOUDFRONT_KEY_PAIR_ID: 'K1',
        UPLINK_CLOUDFRONT_PUBLIC_KEY: pem(pair.publicKey),
      }
      // The URL the verifier matches policies against comes from configuration, never a Host.
      expect(() => loadConfig('production', verifierOnly)).toThrow(/set UPLINK_CDN_URL/)
      const { cdn } = loadConfig('production', {
        ...verifierOnly,
        UPLINK_CDN_URL: 'https://app.example.com/cdn',
      })
      expect(cdn.signer).toBeUndefined()
      expect(cdn.publicKeys.get('K1')?.equals(pair.publicKey)).toBe(true)
      expect(cdn.resourceBase).toBe('https://app.example.com/cdn')
    })

    it('refuses a key that is not one, a public key of another pair, and never echoes the value', () => {
      const secretish = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC'
      const run = (env: Record<string, string>) => () =>
        loadConfig('production', { ...production, UPLINK_CLOUDFRONT_KEY_PAIR_ID: 'K1', ...env })
      expect(run({ UPLINK_CLOUDFRONT_PRIVATE_KEY: secretish })).toThrow(
        /UPLINK_CLOUDFRONT_PRIVATE_KEY: neither PEM text/,
      )
      expect(run({ UPLINK_CLOUDFRONT_PRIVATE_KEY: secretish })).not.toThrow(secretish)
      expect(
        run({ UPLINK_CLOUDFRONT_PUBLIC_KEY: pem(pair.privateKey).replace('PRIVATE', 'X') }),
      ).toThrow(/UPLINK_CLOUDFRONT_PUBLIC_KEY: not a PEM public key/)
      expect(
        run({
          UPLINK_CDN_URL: 'https://cdn.example.com',
          UPLINK_CLOUDFRONT_PRIVATE_KEY: pem(pair.privateKey),
          UPLINK_CLOUDFRONT_PUBLIC_KEY: pem(rsa().publicKey),
        }),
      ).toThrow(/UPLINK_CLOUDFRONT_PUBLIC_KEY: does not match/)
    })

    it('refuses a CDN URL with a query string and a cookie domain that is not a domain', () => {
      expect(() =>
        loadConfig('development', { UPLINK_CDN_URL: 'https://cdn.example.com/?a=1' }),
      ).toThrow(/UPLINK_CDN_URL: must have no query/)
      expect(() =>
        loadConfig('development', { UPLINK_CDN_COOKIE_DOMAIN: 'https://example.com' }),
      ).toThrow(/UPLINK_CDN_COOKIE_DOMAIN:/)
    })
  })

  it('redirects downloads unless UPLINK_DOWNLOAD_MODE=stream, and names a bad mode', () => {
    expect(loadConfig('development', {}).downloadMode).toBe('redirect')
    expect(loadConfig('development', { UPLINK_DOWNLOAD_MODE: 'stream' }).downloadMode).toBe(
      'stream',
    )
    expect(() => loadConfig('development', { UPLINK_DOWNLOAD_MODE: 'proxy' })).toThrow(
      /UPLINK_DOWNLOAD_MODE: must be redirect or stream/,
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
