import { signDevToken } from '@uplink/api'
import { describeIssues, type ErrorBody, toErrorIssues } from '@uplink/core'
import express, { type Request, type Response, Router } from 'express'
import { z } from 'zod'

const body = z.object({
  userId: z
    .string()
    .trim()
    .min(1, 'userId is required')
    .max(128, 'userId must be at most 128 characters')
    .regex(/^[\w.@-]+$/, 'userId may contain letters, digits and . _ @ - only'),
})

/**
 * DEVELOPMENT ONLY — mounted by dev.ts, never by main.ts. Lets the web app's "sign in as…"
 * form get a token for any user id, signed with the dev JWT secret:
 * `GET /dev/auth` → `{ enabled: true }`; `POST /dev/token {userId}` → `{ token }`.
 */
export function devAuthRoute(options: { jwtSecret: string; expiresIn?: string }): Router {
  const router = Router()
  router.get('/dev/auth', (_req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store')
    res.json({ enabled: true })
  })
  router.post('/dev/token', express.json({ limit: '1kb' }), async (req: Request, res: Response) => {
    res.setHeader('Cache-Control', 'no-store')
    const parsed = body.safeParse(req.body)
    if (!parsed.success) {
      // The one error body, as every route answers (a bad JSON body reaches errorHandler).
      const issues = toErrorIssues(parsed.error.issues)
      const error: ErrorBody = {
        code: 'bad_input',
        message: describeIssues(issues),
        requestId: req.id,
        issues,
      }
      res.status(400).json(error)
      return
    }
    const token = await signDevToken(options.jwtSecret, parsed.data.userId, {
      expiresIn: options.expiresIn ?? '12h',
    })
    res.json({ token })
  })
  return router
}
