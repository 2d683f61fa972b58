import { isDependencyUnavailable } from '@uplink/api'
import type { NextFunction, Request, Response } from 'express'
import { withRequestId } from '../correlation.ts'

/** The one error handler, last in the chain: details go to the log, never to the client. */
export function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction) {
  if (isDependencyUnavailable(err)) {
    withRequestId(req.id, () => req.log.warn({ err }, 'a dependency is unavailable'))
    if (res.headersSent) return void res.destroy()
    res.set('Retry-After', '5')
    res.status(503).json({
      error: 'storage or database is unavailable right now; retry in a few seconds',
      requestId: req.id,
    })
    return
  }
  const status = (err as { status?: number; statusCode?: number }).status ?? 500
  if (status >= 500) {
    withRequestId(req.id, () => req.log.error({ err }, 'request failed'))
    if (!res.headersSent) res.status(500).json({ error: 'internal error', requestId: req.id })
    else res.destroy()
    return
  }
  // Errors raised by express itself (e.g. malformed URLs) carry a 4xx status.
  if (!res.headersSent)
    res.status(status).json({ error: (err as Error).message, requestId: req.id })
}

export function notFound(req: Request, res: Response) {
  res.status(404).json({ error: `no route for ${req.method} ${req.path}` })
}
