import { describe, expect, it } from 'vitest'
import { redactUrls, runTool } from './run-tool.ts'

describe('runTool', () => {
  it('kills a tool that runs past its timeout', async () => {
    const started = Date.now()
    const result = await runTool('sleep', ['30'], { timeoutMs: 200, maxStdoutBytes: 1024 })
    expect(result.kind).toBe('timeout')
    expect(Date.now() - started).toBeLessThan(20_000)
  })

  it('kills a tool whose output passes the limit', async () => {
    const result = await runTool('yes', [], { timeoutMs: 20_000, maxStdoutBytes: 64 * 1024 })
    expect(result.kind).toBe('too-large')
  })

  it('reports a missing binary instead of throwing', async () => {
    const result = await runTool('/nonexistent/ffprobe', [], { timeoutMs: 1000, maxStdoutBytes: 1 })
    expect(result).toEqual({ kind: 'missing', message: '/nonexistent/ffprobe: ENOENT' })
  })

  it('passes arguments without a shell and returns the redacted stderr of a failure', async () => {
    const url = 'http://127.0.0.1:9/b/k?X-Amz-Credential=AK%2F1&X-Amz-Signature=abc'
    const result = await runTool('sh', ['-c', 'echo "$0: Invalid data" >&2; exit 1', url], {
      timeoutMs: 5000,
      maxStdoutBytes: 1024,
    })
    expect(result).toEqual({
      kind: 'failed',
      exitCode: 1,
      stderr: 'http://127.0.0.1:9/b/k?[redacted]: Invalid data\n',
    })
  })
})

describe('redactUrls', () => {
  it('cuts the query string off every URL and any stray X-Amz parameter', () => {
    expect(redactUrls('http://s3/b/k?X-Amz-Signature=1: moov atom not found')).toBe(
      'http://s3/b/k?[redacted]: moov atom not found',
    )
    expect(redactUrls('opening k&X-Amz-Signature=abc failed')).toBe('opening k&[redacted] failed')
  })
})
