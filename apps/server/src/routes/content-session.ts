import { AppError, type Authenticate } from '@uplink/core'
import { type Request, type Response, Router } from 'express'
import { decodeJwt } from 'jose'
import { CONTENT_COOKIE } from '../http/content-auth.ts'

/** Where the cookie is sent: the document routes only, never /trpc or /files. */
const COOKIE_PATH = '/documents/'

function cookie(req: Request, value: string, maxAgeSeconds: number): string {
  // HttpOnly: page script cannot read it; SameSite=Strict: no other site's page can make the
  // browser send it (no cross-site <video>/<img> reads, no CSRF).
  const attributes = [
    `${CONTENT_COOKIE}=${value}`,
    `Path=${COOKIE_PATH}`,
    `Max-Age=${maxAgeSeconds}`,
    'HttpOnly',
    'SameSite=Strict',
  ]
  if (req.secure) attributes.push('Secure')
  return attributes.join('; ')
}

/**
 * `POST /documents/content-session` (with `Authorization: Bearer <token>`) sets the content
 * cookie to that token until it expires, so media elements of the same origin can read
 * `/documents/:id/content`; `DELETE` clears it (sign-out). Only the bearer header is accepted
 * here, and no CORS is offered, so another site cannot plant or refresh the cookie.
 */
export function contentSessionRoute(deps: { authenticate: Authenticate }): Router {
  const router = Router()
  router.post('/documents/content-session', async (req: Request, res: Response) => {
    const header = req.header('authorization')
    const user = await deps.authenticate(header)
    if (!user || !header) {
      res.setHeader('WWW-Authenticate', 'Bearer')
      throw new AppError('unauthorized')
    }
    const token = header.replace(/^Bearer\s+/i, '')
    // Verified above; `exp` is a required claim, so the cookie dies with the token.
    const exp = decodeJwt(token).exp ?? 0
    const maxAge = Math.max(0, exp - Math.floor(Date.now() / 1000))
    res.setHeader('Set-Cookie', cookie(req, token, maxAge))
    res.status(204).end()
  })
  router.delete('/documents/content-session', (req: Request, res: Response) => {
    res.setHeader('Set-Cookie', cookie(req, '', 0))
    res.status(204).end()
  })
  return router
}
