import { AppError, ERROR_CATALOGUE, type ErrorBody, type ErrorCode, toAppError } from '@uplink/core'
import type { NextFunction, Request, Response } from 'express'
import { withRequestId } from '../correlation.ts'

/**
 * Answers the one error body (`@uplink/core` errorBody, as /api does) with the code's status,
 * or `status` when given (an Express 4xx with no catalogue code of its own).
 */
export function sendError(
  req: Request,
  res: Response,
  code: ErrorCode,
  message: string = ERROR_CATALOGUE[code].message,
  status: number = ERROR_CATALOGUE[code].status,
): void {
  const body: ErrorBody = { code, message, requestId: req.id }
  res.status(status).json(body)
}

/** Catalogue codes for the 4xx errors Express and its body parsers raise themselves. */
const EXPRESS_CODES: Record<number, ErrorCode> = {
  404: 'route_not_found',
  413: 'content_too_large',
  415: 'content_type_required',
}

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
    sendError(req, res, appError.code, appError.message)
    return
  }
  const status = (err as { status?: number; statusCode?: number }).status ?? 500
  if (status >= 500) {
    withRequestId(req.id, () => req.log.error({ err }, 'request failed'))
    if (!res.headersSent) sendError(req, res, 'internal_error')
    else res.destroy()
    return
  }
  // Errors raised by express itself (e.g. malformed URLs) carry a 4xx status.
  if (!res.headersSent) {
    sendError(req, res, EXPRESS_CODES[status] ?? 'bad_input', (err as Error).message, status)
  }
}

/** Last route: a catalogue 404 (the one error body, as every route answers errors). */
export function notFound(req: Request, _res: Response, next: NextFunction) {
  next(new AppError('route_not_found', `no route for ${req.method} ${req.path}`))
}
