/** A signed-in caller. */
export interface User {
  /** The JWT `sub`: owner id of everything this user uploads. */
  id: string
}

/** Verifies a bearer token; resolves to undefined for anything that is not a valid token. */
export type Authenticate = (authorization: string | undefined) => Promise<User | undefined>
