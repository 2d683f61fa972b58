import { createSecretKey, type KeyObject } from 'node:crypto'
import type { Authenticate, User } from '@uplink/core'
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose'

export type { Authenticate, User } from '@uplink/core'

export interface AuthConfig {
  /** HS256 shared secret (at least 32 bytes). */
  jwtSecret?: string | undefined
  /** JWKS URL of an identity provider (RS256/ES256 …). */
  jwksUrl?: string | undefined
  issuer?: string | undefined
  audience?: string | undefined
  /** Milliseconds since the epoch; `Date.now` unless a test moves time on. */
  now?: () => number
}

/** Builds the one token check used by tRPC, tus and the download route. */
export function createAuthenticate(config: AuthConfig): Authenticate {
  // A KeyObject made once: jose would otherwise import the raw secret on every request.
  let key: KeyObject | JWTVerifyGetKey
  if (config.jwksUrl) key = createRemoteJWKSet(new URL(config.jwksUrl))
  else if (config.jwtSecret) key = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'))
  else throw new Error('auth needs a JWT secret or a JWKS URL')

  const now = config.now ?? Date.now
  // A token without `exp` would be valid forever: refuse it.
  const options = {
    requiredClaims: ['exp'],
    ...(config.issuer ? { issuer: config.issuer } : {}),
    ...(config.audience ? { audience: config.audience } : {}),
  }
  async function verify(token: string): Promise<JWTPayload | undefined> {
    try {
      const at = { ...options, currentDate: new Date(now()) }
      return typeof key === 'function'
        ? (await jwtVerify(token, key, at)).payload
        : (await jwtVerify(token, key, { ...at, algorithms: ['HS256'] })).payload
    } catch {
      return undefined
    }
  }
  const verified = new VerifiedTokens(now)

  return async (authorization) => {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')
    const token = match?.[1]
    if (!token) return undefined
    const cached = verified.get(token)
    if (cached) return cached
    const payload = await verify(token)
    if (typeof payload?.sub !== 'string' || payload.sub.length === 0) return undefined
    const user = { id: payload.sub }
    verified.set(token, user, payload.exp)
    return user
  }
}

/**
 * Tokens already verified, for at most a minute and never past their `exp`: clients send the
 * same token with every request, and verifying it is most of the cost of a cheap procedure.
 */
class VerifiedTokens {
  private readonly entries = new Map<string, { user: User; until: number }>()
  private static readonly MAX_ENTRIES = 10_000
  private static readonly MAX_AGE_MS = 60_000

  constructor(private readonly now: () => number) {}

  get(token: string): User | undefined {
    const entry = this.entries.get(token)
    if (!entry) return undefined
    if (entry.until > this.now()) return entry.user
    this.entries.delete(token)
    return undefined
  }

  set(token: string, user: User, exp: number | undefined): void {
    const until = Math.min(this.now() + VerifiedTokens.MAX_AGE_MS, exp ? exp * 1000 : Infinity)
    if (this.entries.size >= VerifiedTokens.MAX_ENTRIES) {
      // Maps iterate in insertion order: drop the oldest.
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    this.entries.set(token, { user, until })
  }
}

/** Mints an HS256 token for `userId` (dev mode and tests; production tokens come from the IdP). */
export async function signDevToken(
  secret: string,
  userId: string,
  options: { expiresIn?: string } = {},
): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(userId)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h')
    .sign(new TextEncoder().encode(secret))
}
