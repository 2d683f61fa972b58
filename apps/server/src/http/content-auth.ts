import type { Authenticate, User } from '@uplink/core'
import type { Request } from 'express'

/**
 * The cookie a page gets from `POST /documents/content-session` so that `<video src>` and
 * `<img src>` (which cannot send `Authorization`) can read `/documents/:id/content`.
 */
export const CONTENT_COOKIE = 'uplink_content'

/** The value of one cookie of the request, if sent. */
export function readCookie(req: Request, name: string): string | undefined {
  for (const pair of (req.header('cookie') ?? '').split(';')) {
    const eq = pair.indexOf('=')
    if (eq > 0 && pair.slice(0, eq).trim() === name) return pair.slice(eq + 1).trim()
  }
  return undefined
}

/**
 * The caller of a content read: the bearer token in `Authorization` when one is sent (a bad
 * one is not rescued by the cookie), else the token in the content cookie. Both go through
 * the one token check.
 */
export async function authenticateContent(
  authenticate: Authenticate,
  req: Request,
): Promise<User | undefined> {
  const header = req.header('authorization')
  if (header !== undefined) return authenticate(header)
  const cookie = readCookie(req, CONTENT_COOKIE)
  return cookie ? authenticate(`Bearer ${cookie}`) : undefined
}
