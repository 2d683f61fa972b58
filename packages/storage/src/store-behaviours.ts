/**
 * Where S3 stores differ, named once. Each entry says what a store does and where Uplink
 * handles it; the README's "S3 compatibility" table lists them per store.
 */

/**
 * The behaviours that differ between S3 stores, each with the stores that show it and where
 * Uplink handles it (the README's "S3 compatibility" table is this list per store).
 */
export const STORE_BEHAVIOURS = {
  perBucketCors: {
    differs: 'PutBucketCors: AWS S3, R2, versitygw take it; MinIO answers 501 NotImplemented',
    handled: 'configureBucketCors → isPerBucketCorsUnsupported: a warning with storeWideCorsAdvice',
  },
  paddedShortBody: {
    differs:
      'a part PUT cut short mid-body without a signed checksum: versitygw 1.7.0 stores a full-size part padded with zeros; MinIO and AWS S3 store nothing',
    handled:
      'x-amz-checksum-sha256 signed into every part and PUT; tus isPartAsWritten (size + SHA-256 or ETag) refuses a padded part',
  },
  conflictRetry: {
    differs:
      "409 on a PUT: S3's OperationAborted, and versitygw's posix backend when a delete in the same folder races it; others answer 503 SlowDown",
    handled:
      'retried as transient by the web app (upload/transient.ts) and the client (upload/tus.ts)',
  },
} as const

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
