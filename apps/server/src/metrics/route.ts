import { timingSafeEqual } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import express, { type RequestHandler } from 'express'
import { sendError } from '../http/errors.ts'
import type { Metrics } from './registry.ts'

const same = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))

/**
 * `GET /metrics` in Prometheus text format. With a token, only `Authorization: Bearer <token>`
 * is answered; without one the route is not mounted here (a separate port serves it, or nothing).
 */
export function metricsRoute(metrics: Metrics, token: string | undefined): RequestHandler {
  const router = express.Router()
  router.get('/metrics', async (req, res, next) => {
    if (!token) return next()
    const given = /^Bearer (.+)$/.exec(req.header('authorization') ?? '')?.[1]
    if (!given || !same(given, token)) {
      res.set('WWW-Authenticate', 'Bearer')
      sendError(
        req,
        res,
        'unauthorized',
        'send the metrics token as Authorization: Bearer <UPLINK_METRICS_TOKEN>',
      )
      return
    }
    await sendMetrics(metrics, res).catch(next)
  })
  return router
}

async function sendMetrics(metrics: Metrics, res: express.Response) {
  const body = await metrics.registry.metrics()
  res.set('Content-Type', metrics.registry.contentType).set('Cache-Control', 'no-store').send(body)
}

/** A listener of its own for `/metrics` (UPLINK_METRICS_PORT), open to whoever reaches the port. */
export async function serveMetrics(metrics: Metrics, host: string, port: number): Promise<Server> {
  const app = express()
  app.disable('x-powered-by')
  app.get('/metrics', (_req, res, next) => {
    sendMetrics(metrics, res).catch(next)
  })
  const server = createServer(app)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  server.unref()
  return server
}
