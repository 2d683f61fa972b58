import { fromNodeProviderChain } from '@aws-sdk/credential-providers'
import type { Credentials } from './sigv4.ts'

/** Credentials as a provider returns them; temporary ones carry a session token and an expiration. */
export interface ResolvedCredentials extends Credentials {
  expiration?: Date | undefined
}

/** Where credentials come from: an AWS SDK provider (STS, SSO, IRSA, …) or anything alike. */
export type CredentialProvider = () => Promise<ResolvedCredentials>

/**
 * Static keys (`S3_ACCESS_KEY_ID` …), a provider, or nothing: the AWS SDK's default chain
 * (env, shared config/profile, SSO, web identity / IRSA, ECS task role, EC2 instance metadata).
 */
export type CredentialSource = Credentials | CredentialProvider | undefined

/** Temporary credentials are replaced this long before they expire (the SDK's own margin). */
export const REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000

/**
 * One provider for the S3 client and the presigner: static keys as they are, any other source
 * memoized and fetched again once its credentials are within `REFRESH_BEFORE_EXPIRY_MS` of
 * expiring (concurrent callers share one fetch).
 */
export function credentialProvider(
  source: CredentialSource,
  now: () => number = Date.now,
): CredentialProvider {
  if (source && typeof source !== 'function') {
    const fixed = { ...source }
    return async () => fixed
  }
  const fetch: CredentialProvider = source ?? fromNodeProviderChain()
  let current: Promise<ResolvedCredentials> | undefined
  let expiresAt = Number.POSITIVE_INFINITY
  return () => {
    if (!current || expiresAt - now() <= REFRESH_BEFORE_EXPIRY_MS) {
      const pending = fetch().then(
        (credentials) => {
          expiresAt = credentials.expiration?.getTime() ?? Number.POSITIVE_INFINITY
          return credentials
        },
        (err: unknown) => {
          if (current === pending) current = undefined
          throw err
        },
      )
      current = pending
      expiresAt = Number.POSITIVE_INFINITY
    }
    return current
  }
}

/**
 * The lifetime a URL signed now may have: the one asked for, capped at the credentials'
 * expiration ("a presigned URL … expires when the credentials used to create it expire").
 * Throws when the credentials have already expired.
 */
export function cappedExpiry(
  credentials: ResolvedCredentials,
  signedAt: Date,
  expiresInSeconds: number,
): number {
  if (!credentials.expiration) return expiresInSeconds
  const left = Math.floor((credentials.expiration.getTime() - signedAt.getTime()) / 1000)
  if (left < 1) {
    throw new Error(
      `the S3 credentials expired at ${credentials.expiration.toISOString()}: refresh them (or fix the credential source) to sign URLs`,
    )
  }
  return Math.min(expiresInSeconds, left)
}
