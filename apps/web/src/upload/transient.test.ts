import { TRPCClientError } from '@trpc/client'
import { describe, expect, it } from 'vitest'
import { isTransient, withRetries } from './transient.ts'

// As @uppy/aws-s3 6 fails: S3ServiceError carries S3's status, S3NetworkError code NETWORK.
const xhrError = (status: number) =>
  status === 0
    ? Object.assign(new Error('Network error during S3 request'), { code: 'NETWORK' })
    : Object.assign(new Error(`S3 returned ${status}`), { status })
const trpcError = (httpStatus?: number) =>
  new TRPCClientError(
    'failed',
    httpStatus === undefined
      ? {}
      : { result: { error: { message: 'x', code: -32603, data: { httpStatus } } } },
  )

describe('transient failures', () => {
  it('retries what nothing or a busy server answered, never a refusal', () => {
    expect(isTransient(xhrError(0))).toBe(true)
    expect(isTransient(xhrError(503))).toBe(true)
    expect(isTransient(xhrError(429))).toBe(true)
    // Storage's 409 is a conflict to retry (S3 OperationAborted); the API's 409 is a refusal.
    expect(isTransient(xhrError(409))).toBe(true)
    expect(isTransient(xhrError(403))).toBe(false)
    expect(isTransient(xhrError(400))).toBe(false)
    expect(isTransient(trpcError())).toBe(true)
    expect(isTransient(trpcError(502))).toBe(true)
    expect(isTransient(trpcError(409))).toBe(false)
    expect(isTransient(new Error('this upload was rejected'))).toBe(false)
  })

  it('calls again after a transient failure and gives up at once on a refusal', async () => {
    let calls = 0
    await expect(
      withRetries(async () => {
        calls++
        if (calls === 1) throw xhrError(0)
        return 'done'
      }),
    ).resolves.toBe('done')
    expect(calls).toBe(2)

    calls = 0
    await expect(
      withRetries(async () => {
        calls++
        throw trpcError(400)
      }),
    ).rejects.toThrow('failed')
    expect(calls).toBe(1)
  })
})
