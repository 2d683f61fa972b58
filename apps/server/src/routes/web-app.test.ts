import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import express from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { errorHandler, notFound } from '../http/errors.ts'
import { requestContext } from '../http/request-context.ts'
import { createLogger } from '../logger.ts'
import { webAppRoute } from './web-app.ts'

let dir: string
let server: Server
let base: string

// The tail of createApp: the web app (an extra route), then the 404 and the error handler.
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'uplink-web-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><div id="root"></div>')
  const app = express()
  app.use(requestContext(createLogger('silent')))
  app.use(webAppRoute(dir))
  app.use(notFound)
  app.use(errorHandler)
  server = app.listen(0, '127.0.0.1')
  await new Promise((resolve) => server.once('listening', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  rmSync(dir, { recursive: true, force: true })
})

const get = (path: string) => fetch(`${base}${path}`, { headers: { accept: 'text/html' } })

describe('webAppRoute', () => {
  it('answers a client route with the page', async () => {
    const res = await get('/some/client/route')
    expect(res.status).toBe(200)
    expect(await res.text()).toContain('<div id="root">')
  })

  it.each([
    '/metrics',
    '/api',
    '/api/nope',
    '/trpc/nope',
    '/files/nope',
    '/cdn/nope',
    '/documents',
    '/documents/nope',
    '/readyz',
  ])('never falls back to the page for %s: a JSON 404 from the catalogue', async (path) => {
    const res = await get(path)
    expect(res.status).toBe(404)
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await res.json()).toEqual({
      code: 'route_not_found',
      message: `no route for GET ${path}`,
      requestId: res.headers.get('x-request-id'),
    })
  })
})
