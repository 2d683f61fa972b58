/**
 * Where S3 stores differ, named once. Each entry says what a store does and where Uplink
 * handles it; the README's "S3 compatibility" table lists them per store.
 */

const status = (err: unknown) =>
  (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode

/**
 * Per-bucket CORS: AWS S3, R2 and versitygw take `PutBucketCors`; MinIO answers
 * `501 NotImplemented` (its CORS is server-wide: `api cors_allowed_origin`).
 * Handled in `configureBucketCors`: the server warns with what to configure and runs.
 */
export function isPerBucketCorsUnsupported(err: unknown): boolean {
  const name = (err as { name?: string } | undefined)?.name
  return status(err) === 501 || name === 'NotImplemented'
}

/** The CORS rule browsers need for direct uploads (per bucket, or store-wide where it is). */
export const BROWSER_CORS = {
  AllowedMethods: ['GET', 'HEAD', 'PUT', 'POST'],
  AllowedHeaders: ['*'],
  /** Uppy reads each part's ETag (multipart completion) and a POST's Location. */
  ExposeHeaders: ['ETag', 'Location', 'x-amz-checksum-sha256'],
  MaxAgeSeconds: 3600,
} as const

/** What to tell an operator whose store refused per-bucket CORS. */
export function storeWideCorsAdvice(origins: readonly string[]): string {
  return (
    `this S3 store has no per-bucket CORS (PutBucketCors answered 501 NotImplemented): ` +
    `configure CORS on the store itself for ${origins.join(', ')} — methods ` +
    `${BROWSER_CORS.AllowedMethods.join(', ')}, any request header, exposing ` +
    `${BROWSER_CORS.ExposeHeaders.join(', ')} (MinIO: \`mc admin config set <alias> api ` +
    `cors_allowed_origin=${origins.join(',')}\`); until then browsers cannot upload directly`
  )
}
