import { timingSafeEqual } from 'node:crypto'
import { type ObjectCreatedEvent, parseS3Notification } from '@uplink/events'
import express, { type Request, type Response, Router } from 'express'
import { sendError } from '../http/errors.ts'

interface Deps {
  /** Shared secret: `X-Uplink-Secret` header or `?secret=`. */
  secret: string
  /** Queues the events durably; resolve only once they are stored. */
  receive(events: readonly ObjectCreatedEvent[]): Promise<number>
}

function sameSecret(given: string | undefined, secret: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(secret)
  // Constant time: compare equal-length buffers only, and always run one comparison.
  return timingSafeEqual(a.length === b.length ? a : b, b) && a.length === b.length
}

/**
 * POST /hooks/s3-events — S3 event notifications (AWS, MinIO, versitygw webhook format).
 * versitygw cannot add headers, so the secret may also travel as `?secret=<secret>` (the query,
 * unlike the path, stays out of the request log). A 2xx means the events are queued.
 */
export function s3EventsRoute(deps: Deps): Router {
  const router = Router()
  // The JSON parser runs on this path only; never in front of /files (it would eat tus bodies).
  const json = express.json({ limit: '1mb', type: () => true })
  const handler = async (req: Request, res: Response) => {
    // A body that is not an S3 notification is `bad_input`: 400 from the error handler.
    const events = parseS3Notification(req.body)
    const queued = await deps.receive(events)
    res.json({ received: events.length, queued })
  }
  router.post(
    '/hooks/s3-events',
    // Check the secret before reading the body, so strangers cannot make us parse anything.
    (req: Request, res: Response, next: express.NextFunction) => {
      const query = typeof req.query.secret === 'string' ? req.query.secret : undefined
      const given = req.header('x-uplink-secret') ?? query
      if (sameSecret(given, deps.secret)) next()
      else sendError(req, res, 'unauthorized', 'send the S3 events secret')
    },
    json,
    handler,
  )
  return router
}
