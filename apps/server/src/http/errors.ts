import { AppError, toAppError } from '@uplink/core'
import type { NextFunction, Request, Response } from 'express'
import { withRequestId } from '../correlation.ts'

/**
 * The one error handler, last in the chain: catalogue errors get their status and message
 * (the same as over tRPC; Retry-After for 429 and 503), anything else is a 500 whose details
 * go to the log, never to the client.
 */
export function errorHandler(err: unknown, req: Request, res: Response, _next: NextFunction) {
  const appError = toAppError(err)
  if (appError) {
    if (appError.code === 'unavailable')
      withRequestId(req.id, () => req.log.warn({ err }, 'a dependency is unavailable'))
    if (res.headersSent) return void res.destroy()
    if (appError.retryAfterSeconds !== undefined) {
      res.set('Retry-After', String(appError.retryAfterSeconds))
    }
    res.status(appError.status).json({ error: appError.message, requestId: req.id })
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

/** Last route: a catalogue 404 (`{ error, requestId }`, as every Express route answers errors). */
export function notFound(req: Request, _res: Response, next: NextFunction) {
  next(new AppError('route_not_found', `no route for ${req.method} ${req.path}`))
}
