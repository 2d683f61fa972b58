import type { StorageConfig } from './client.ts'
import { type CredentialProvider, cappedExpiry, credentialProvider } from './credentials.ts'
import { type Credentials, createPresigner, encodeKeyPath, type PresignInput } from './sigv4.ts'

/** Signs one request; the URL carries the signature in its query. */
export type PresignFn = (input: PresignInput) => string | Promise<string>

/** Makes the signer of one set of credentials (the bench swaps in another implementation). */
export type PresignerFactory = (credentials: Credentials, region: string) => PresignFn

/** A signed URL and the moment it stops working. */
export interface SignedUrl {
  url: string
  expiresAt: Date
}

/** Object URLs of one bucket, and SigV4 presigning of requests to them. */
export interface ObjectSigner {
  url(key: string, query?: Record<string, string>): URL
  /**
   * Signs with the current credentials (their session token included); the lifetime is capped
   * at their expiration, and `expiresAt` is the capped moment.
   */
  presign(input: PresignInput): Promise<SignedUrl>
}

/**
 * Path-style (`endpoint/bucket/key`) when forced or when the bucket name has dots (TLS would
 * not match), virtual-hosted (`bucket.host/key`) otherwise — the same choice the SDK makes.
 */
export function createObjectSigner(
  config: StorageConfig,
  credentials: CredentialProvider = credentialProvider(config.credentials),
  makePresigner: PresignerFactory = createPresigner,
): ObjectSigner {
  const base = new URL(config.endpoint ?? `https://s3.${config.region}.amazonaws.com`)
  const pathStyle = config.forcePathStyle || config.bucket.includes('.')
  const prefix = base.pathname.replace(/\/$/, '')
  const origin = pathStyle ? base.origin : `${base.protocol}//${config.bucket}.${base.host}`
  const bucketPath = pathStyle ? `${prefix}/${encodeURIComponent(config.bucket)}` : prefix
  // One signer per credentials object: its signing keys are cached until they are replaced.
  let signedWith: Credentials | undefined
  let presign: PresignFn | undefined
  return {
    url(key, query = {}) {
      const url = new URL(`${origin}${bucketPath}/${encodeKeyPath(key)}`)
      for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v)
      return url
    },
    async presign(input) {
      const current = await credentials()
      if (current !== signedWith || !presign) {
        presign = makePresigner(current, config.region)
        signedWith = current
      }
      const expiresInSeconds = cappedExpiry(current, input.signedAt, input.expiresInSeconds)
      const capped =
        expiresInSeconds === input.expiresInSeconds ? input : { ...input, expiresInSeconds }
      // Our presigner answers at once: no promise to wait for (the bench's SDK one returns one).
      const signed = presign(capped)
      const url = typeof signed === 'string' ? signed : await signed
      return { url, expiresAt: new Date(input.signedAt.getTime() + expiresInSeconds * 1000) }
    },
  }
}
