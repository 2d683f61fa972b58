import { randomUUID } from 'node:crypto'
import type { NextFunction, Request, Response } from 'express'
import type { Logger } from 'pino'
import { withRequestId } from '../correlation.ts'

declare global {
  namespace Express {
    interface Request {
      id: string
      log: Logger
    }
  }
}

const REQUEST_ID = /^[\w.-]{1,64}$/

/**
 * Gives each request an id (echoed as X-Request-Id) and logs one line per response: method, path
 * without its query string, status, duration. The rest of the request runs under that id
 * (AsyncLocalStorage), so every log line it causes carries `reqId` (the logger's mixin).
 */
export function requestContext(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header('x-request-id')
    req.id = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID()
    req.log = log
    res.setHeader('X-Request-Id', req.id)
    const started = process.hrtime.bigint()
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      // 'finish' may fire outside the request's async context: name the id here.
      withRequestId(req.id, () =>
        log.info(
          {
            method: req.method,
            path: req.path,
            status: res.statusCode,
            ms: Math.round(ms * 10) / 10,
          },
          'request',
        ),
      )
    })
    withRequestId(req.id, next)
  }
}
