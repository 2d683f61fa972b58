import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Metrics } from './registry.ts'

type Handle = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void

/**
 * Wraps the tus handler: PATCH duration, bytes added (response Upload-Offset minus request
 * Upload-Offset, so the body stream is never touched) and requests answered 5xx.
 */
export function instrumentTus(handle: Handle, metrics: Metrics): Handle {
  return (req, res) => {
    const started = performance.now()
    res.once('finish', () => {
      if (res.statusCode >= 500 && (req.method === 'POST' || req.method === 'PATCH')) {
        metrics.tusFailed()
      }
      if (req.method !== 'PATCH') return
      const before = Number(req.headers['upload-offset'])
      const after = Number(res.getHeader('upload-offset'))
      const bytes = Number.isFinite(before) && Number.isFinite(after) ? after - before : 0
      metrics.tusPatch((performance.now() - started) / 1000, res.statusCode, bytes)
    })
    return handle(req, res)
  }
}
