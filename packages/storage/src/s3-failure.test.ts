import { describe, expect, it } from 'vitest'
import { isRetryable, isThrottling, s3Failure } from './s3-failure.ts'

describe('S3 failures', () => {
  it("makes an S3 error answer the SDK's error shape: name and Code, status, request ids", () => {
    const err = s3Failure(
      404,
      { 'x-amz-request-id': 'header-id' },
      '<Error><Code>NoSuchUpload</Code><Message>gone</Message><RequestId>R1</RequestId><HostId>H1</HostId></Error>',
    )
    expect(err).toMatchObject({
      name: 'NoSuchUpload',
      Code: 'NoSuchUpload',
      message: 'gone',
      $fault: 'client',
      $metadata: { httpStatusCode: 404, requestId: 'R1', extendedRequestId: 'H1' },
    })
    const head = s3Failure(404, { 'x-amz-request-id': 'header-id' }, '')
    expect(head).toMatchObject({ name: 'NotFound', $metadata: { requestId: 'header-id' } })
    expect(head).not.toHaveProperty('Code')
    expect(s3Failure(503, {}, '<Error><Code>SlowDown</Code></Error>').$fault).toBe('server')
  })

  it('retries what the SDK retries: throttling, 5xx, timeouts and socket errors, never an abort', () => {
    const answer = (status: number, code: string) =>
      s3Failure(status, {}, `<Error><Code>${code}</Code></Error>`)
    expect(isRetryable(answer(503, 'SlowDown'))).toBe(true)
    expect(isThrottling(answer(503, 'SlowDown'))).toBe(true)
    expect(isRetryable(answer(500, 'InternalError'))).toBe(true)
    expect(isRetryable(answer(400, 'RequestTimeout'))).toBe(true)
    expect(isRetryable(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(
      true,
    )
    expect(isRetryable(answer(404, 'NoSuchUpload'))).toBe(false)
    expect(isRetryable(answer(400, 'BadDigest'))).toBe(false)
    expect(isRetryable(answer(501, 'NotImplemented'))).toBe(false)
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError', code: 'ECONNRESET' })
    expect(isRetryable(abort)).toBe(false)
  })
})
