import { UNAUTHORIZED } from './errors.ts'

export interface TusUser {
  id: string
}

/** Verifies the Authorization header; undefined for a missing or invalid token. */
export type Authenticate = (authorization: string | undefined) => Promise<TusUser | undefined>

/**
 * Authenticates each request once: the naming function, onIncomingRequest and
 * onUploadCreate all see the same request object.
 */
export function createRequestUser(authenticate: Authenticate) {
  const users = new WeakMap<Request, Promise<TusUser | undefined>>()
  return async function requireUser(req: Request): Promise<TusUser> {
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
