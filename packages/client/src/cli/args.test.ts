import { describe, expect, it } from 'vitest'
import { UplinkError } from '../errors.ts'
import { exitCodeFor, parseCliArgs, requireServer, UsageError } from './args.ts'

describe('parseCliArgs', () => {
  it('takes the URL and token from flags before the environment', () => {
    const env = { UPLINK_URL: 'http://env', UPLINK_TOKEN: 'env-token' }
    expect(parseCliArgs(['ls'], env)).toMatchObject({
      command: 'ls',
      url: 'http://env',
      token: 'env-token',
    })
    expect(parseCliArgs(['ls', '--url', 'http://flag', '--token', 't'], env)).toMatchObject({
      url: 'http://flag',
      token: 't',
    })
  })

  it('parses an upload and refuses an unknown method or option', () => {
    expect(
      parseCliArgs(['upload', 'f.mp4', '--purpose', 'video', '-m', 'multipart'], {}),
    ).toMatchObject({
      command: 'upload',
      positionals: ['f.mp4'],
      purpose: 'video',
      method: 'multipart',
    })
    expect(() => parseCliArgs(['upload', '--method', 'ftp'], {})).toThrow(UsageError)
    expect(() => parseCliArgs(['ls', '--colour'], {})).toThrow(UsageError)
  })
})

describe('requireServer and exit codes', () => {
  it('says how to supply a missing token', () => {
    expect(() => requireServer(parseCliArgs(['ls'], { UPLINK_URL: 'http://x' }))).toThrow(
      /set UPLINK_TOKEN/,
    )
  })

  it('gives each kind of failure its own exit code', () => {
    expect(exitCodeFor(new UsageError('x'))).toBe(2)
    expect(exitCodeFor(new UplinkError('UNAUTHORIZED', 'x'))).toBe(3)
    expect(exitCodeFor(new UplinkError('NETWORK', 'x'))).toBe(4)
    expect(exitCodeFor(new UplinkError('BAD_REQUEST', 'x'))).toBe(5)
    expect(exitCodeFor(new UplinkError('NOT_FOUND', 'x'))).toBe(6)
    expect(exitCodeFor(new UplinkError('ABORTED', 'x'))).toBe(130)
    expect(exitCodeFor(new Error('x'))).toBe(1)
  })
})
