import { createSecretKey, type KeyObject } from 'node:crypto'
import { createRemoteJWKSet, type JWTPayload, type JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose'

export interface User {
  /** The JWT `sub`: owner id of everything this user uploads. */
  id: string
}

export interface AuthConfig {
  /** HS256 shared secret (at least 32 bytes). */
  jwtSecret?: string | undefined
  /** JWKS URL of an identity provider (RS256/ES256 …). */
  jwksUrl?: string | undefined
  issuer?: string | undefined
  audience?: string | undefined
}

/** Verifies a bearer token; resolves to undefined for anything that is not a valid token. */
export type Authenticate = (authorization: string | undefined) => Promise<User | undefined>

/** Builds the one token check used by tRPC, tus and the download route. */
export function createAuthenticate(config: AuthConfig): Authenticate {
  // A KeyObject made once: jose would otherwise import the raw secret on every request.
  let key: KeyObject | JWTVerifyGetKey
  if (config.jwksUrl) key = createRemoteJWKSet(new URL(config.jwksUrl))
  else if (config.jwtSecret) key = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'))
  else throw new Error('auth needs a JWT secret or a JWKS URL')

  return async (authorization) => {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')
    if (!match?.[1]) return undefined
    let payload: JWTPayload
    try {
      const options = {
        ...(config.issuer ? { issuer: config.issuer } : {}),
        ...(config.audience ? { audience: config.audience } : {}),
      }
      payload =
        typeof key === 'function'
          ? (await jwtVerify(match[1], key, options)).payload
          : (await jwtVerify(match[1], key, { ...options, algorithms: ['HS256'] })).payload
    } catch {
      return undefined
    }
    return typeof payload.sub === 'string' && payload.sub.length > 0
      ? { id: payload.sub }
      : undefined
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
