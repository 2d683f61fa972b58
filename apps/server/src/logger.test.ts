import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createLogger, redactSignedUrls } from './logger.ts'

const signed =
  'http://s3.local/uplink/a/document/1?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=k%2F20261128&X-Amz-Signature=abc123'

describe('redactSignedUrls', () => {
  it('cuts the query string off signed URLs and leaves other text alone', () => {
    expect(redactSignedUrls(`redirect to ${signed} done`)).toBe(
      'redirect to http://s3.local/uplink/a/document/1?[redacted] done',
    )
    expect(redactSignedUrls('http://x/y?page=2')).toBe('http://x/y?page=2')
  })
})

describe('createLogger', () => {
  it('never writes a signed URL, in messages, fields or errors', () => {
    const lines: string[] = []
    const sink = new Writable({
      write(chunk, _e, done) {
        lines.push(chunk.toString())
        done()
      },
    })
    const log = createLogger('info', sink)
    log.info({ location: signed, nested: { urls: [signed] } }, `got ${signed}`)
    log.error({ err: new Error(`fetch ${signed} failed`) }, 'boom')
    const text = lines.join('')
    expect(lines).toHaveLength(2)
    expect(text).not.toContain('X-Amz-Signature')
    expect(text).toContain('[redacted]')
  })
})
