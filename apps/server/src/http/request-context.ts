import { randomUUID } from 'node:crypto'
import type { NextFunction, Request, Response } from 'express'
import type { Logger } from 'pino'

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
 * Gives each request an id (echoed as X-Request-Id) and a child logger, and logs one line
 * per response: method, path without its query string, status, duration.
 */
export function requestContext(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header('x-request-id')
    req.id = incoming && REQUEST_ID.test(incoming) ? incoming : randomUUID()
    req.log = log.child({ reqId: req.id })
    res.setHeader('X-Request-Id', req.id)
    const started = process.hrtime.bigint()
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      req.log.info(
        {
          method: req.method,
          path: req.path,
          status: res.statusCode,
          ms: Math.round(ms * 10) / 10,
        },
        'request',
      )
    })
    next()
  }
}
