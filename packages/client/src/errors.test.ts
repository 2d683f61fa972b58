import { TRPCClientError } from '@trpc/client'
import { describe, expect, it } from 'vitest'
import { httpError, toUplinkError } from './errors.ts'

describe('toUplinkError', () => {
  it('keeps the tRPC code and message, and adds a hint', () => {
    const err = new TRPCClientError('document x was not found', {
      result: {
        error: {
          code: -32004,
          message: 'document x was not found',
          data: { code: 'NOT_FOUND', httpStatus: 404 },
        },
      },
    } as never)
    const e = toUplinkError(err)
    expect([e.code, e.message, e.status]).toEqual(['NOT_FOUND', 'document x was not found', 404])
    expect(e.hint).toMatch(/document id/)
  })

  it('calls a failed connection NETWORK and an abort ABORTED', () => {
    const refused = new TypeError('fetch failed', {
      cause: new Error('connect ECONNREFUSED 127.0.0.1:9'),
    })
    expect(toUplinkError(TRPCClientError.from(refused))).toMatchObject({
      code: 'NETWORK',
      message: 'cannot reach the server: connect ECONNREFUSED 127.0.0.1:9',
    })
    expect(toUplinkError(new DOMException('stop', 'AbortError')).code).toBe('ABORTED')
  })

  it('maps HTTP statuses from storage', () => {
    expect(httpError(403, 'download')).toMatchObject({ code: 'FORBIDDEN', status: 403 })
    expect(httpError(502, 'PUT').code).toBe('SERVER')
  })

  it('calls a 422 (the inspection refused the content) REJECTED', () => {
    expect(httpError(422, 'upload')).toMatchObject({ code: 'REJECTED', status: 422 })
  })
})
