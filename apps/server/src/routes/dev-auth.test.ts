import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { errorBody } from '@uplink/core'
import express from 'express'
import { decodeJwt } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorHandler, notFound } from '../http/errors.ts'
import { requestContext } from '../http/request-context.ts'
import { createLogger } from '../logger.ts'
import { devAuthRoute } from './dev-auth.ts'

let server: Server
let base: string

// As dev.ts mounts it: an extra route, then the 404 and the error handler.
beforeAll(async () => {
  const app = express()
  app.use(requestContext(createLogger('silent')))
  app.use(devAuthRoute({ jwtSecret: 'dev-auth-test-secret-at-least-32-characters' }))
  app.use(notFound)
  app.use(errorHandler)
  server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
})

const postToken = (body: string) =>
  fetch(`${base}/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'dev-auth-test' },
    body,
  })

describe('devAuthRoute', () => {
  it('signs a token for a user id', async () => {
    const res = await postToken('{"userId":"alice"}')
    expect(res.status).toBe(200)
    const { token } = (await res.json()) as { token: string }
    expect(decodeJwt(token).sub).toBe('alice')
  })

  it('answers a bad user id with the one error body: code, message, requestId, issues', async () => {
    const res = await postToken('{"userId":"no spaces"}')
    expect(res.status).toBe(400)
    const body = await res.json()
    expect(errorBody.strict().parse(body)).toEqual({
      code: 'bad_input',
      message: 'userId: userId may contain letters, digits and . _ @ - only',
      requestId: 'dev-auth-test',
      issues: [{ path: 'userId', message: 'userId may contain letters, digits and . _ @ - only' }],
    })
  })

  it('answers a body that is not JSON with the one error body too', async () => {
    const res = await postToken('{not json')
    expect(res.status).toBe(400)
    expect(errorBody.strict().parse(await res.json())).toMatchObject({
      code: 'bad_input',
      requestId: 'dev-auth-test',
    })
  })
})
