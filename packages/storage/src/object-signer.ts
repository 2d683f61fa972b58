import type { StorageConfig } from './client.ts'
import { createPresigner, encodeKeyPath, type PresignInput } from './sigv4.ts'

/** Signs one request; the URL carries the signature in its query. */
export type PresignFn = (input: PresignInput) => string | Promise<string>

/** Object URLs of one bucket, and SigV4 presigning of requests to them. */
export interface ObjectSigner {
  url(key: string, query?: Record<string, string>): URL
  presign(input: PresignInput): Promise<string>
}

/**
 * Path-style (`endpoint/bucket/key`) when forced or when the bucket name has dots (TLS would
 * not match), virtual-hosted (`bucket.host/key`) otherwise — the same choice the SDK makes.
 * `presign` replaces the signer (the bench compares two).
 */
export function createObjectSigner(
  config: StorageConfig,
  presign: PresignFn = createPresigner(config.credentials, config.region),
): ObjectSigner {
  const base = new URL(config.endpoint ?? `https://s3.${config.region}.amazonaws.com`)
  const pathStyle = config.forcePathStyle || config.bucket.includes('.')
  const prefix = base.pathname.replace(/\/$/, '')
  const origin = pathStyle ? base.origin : `${base.protocol}//${config.bucket}.${base.host}`
  const bucketPath = pathStyle ? `${prefix}/${encodeURIComponent(config.bucket)}` : prefix
  return {
    url(key, query = {}) {
      const url = new URL(`${origin}${bucketPath}/${encodeKeyPath(key)}`)
      for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v)
      return url
    },
    presign: async (input) => presign(input),
  }
}
