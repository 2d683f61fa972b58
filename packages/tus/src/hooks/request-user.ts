import type { Authenticate, User } from '@uplink/core'
import { UNAUTHORIZED } from '../protocol/errors.ts'

/**
 * Authenticates each request once: the naming function, onIncomingRequest and
 * onUploadCreate all see the same request object.
 */
export function createRequestUser(authenticate: Authenticate) {
  const users = new WeakMap<Request, Promise<User | undefined>>()
  return async function requireUser(req: Request): Promise<User> {
    let pending = users.get(req)
    if (!pending) {
      pending = authenticate(req.headers.get('authorization') ?? undefined).catch(() => undefined)
      users.set(req, pending)
    }
    const user = await pending
    if (!user) throw UNAUTHORIZED
    return user
  }
}

export type RequireUser = ReturnType<typeof createRequestUser>
