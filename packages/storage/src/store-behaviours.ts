/**
 * Where S3 stores differ, named once. Each entry says what the stores do (versitygw and MinIO
 * measured by the test suites, AWS S3 and R2 from their documentation) and where Uplink handles
 * it; the predicates below are the only places that read a store-specific answer. The table in
 * docs/s3-compatibility.md lists these entries per store.
 */
export const STORE_BEHAVIOURS = {
  perBucketCors: {
    differs: 'PutBucketCors: AWS S3, R2, versitygw take it; MinIO answers 501 NotImplemented',
    handled: 'configureBucketCors → isPerBucketCorsUnsupported: a warning with storeWideCorsAdvice',
  },
  checksumRefusal: {
    differs:
      'a body that does not match its x-amz-checksum-sha256 or -crc32: versitygw and AWS S3 answer 400 BadDigest, MinIO 400 XAmzContentChecksumMismatch',
    handled:
      'isChecksumRefusal: the tus store answers 460 (resend the same bytes); presigned uploads see the refusal',
  },
  paddedShortBody: {
    differs:
      'a part PUT cut short mid-body without a signed checksum: versitygw 1.7.0 stores a full-size part padded with zeros; MinIO and AWS S3 store nothing',
    handled:
      'an x-amz-checksum (tus parts: CRC32, presigned: SHA-256) signed into every part and PUT; isPartAsWritten (size + checksum or ETag) refuses a padded part',
  },
  listPartsChecksums: {
    differs:
      "ListParts lists each part's ChecksumCRC32 or ChecksumSHA256 (the upload's algorithm) on versitygw, MinIO and AWS S3; R2 documents SHA-256 only as a composite checksum",
    handled: 'isPartAsWritten compares the checksum when listed, else the ETag (MD5 of the part)',
  },
  goneUpload: {
    differs:
      'AbortMultipartUpload of an upload already completed: versitygw answers 404 NoSuchUpload, MinIO 204',
    handled: 'isNoSuchUpload: aborting or listing an upload that is gone is not an error',
  },
  conflictRetry: {
    differs:
      "409 on a PUT: S3's OperationAborted, and versitygw's posix backend when a delete in the same folder races it; others answer 503 SlowDown",
    handled:
      'isRetryableStorageStatus (@uplink/core): retried by the web app and the client; tus-js-client retries 409',
  },
  postPolicy: {
    differs:
      'presigned POST policies (content-length-range, eq $Content-Type): versitygw, MinIO, AWS S3 enforce them; R2 presigns only GET, PUT, HEAD and DELETE',
    handled: "a purpose's `methods` can leave `post` out; the client and web app then PUT",
  },
  objectTags: {
    differs:
      'object tags: versitygw, MinIO, AWS S3 take them; R2 does not implement PutObjectTagging',
    handled: 'S3_USE_TAGS=false: the tus store tags nothing',
  },
  temporaryCredentials: {
    differs:
      'X-Amz-Security-Token: MinIO (STS AssumeRole), AWS S3 and R2 take session credentials; versitygw has static keys only',
    handled:
      'the token is signed into every URL; a URL never outlives its credentials (cappedExpiry)',
  },
  unequalParts: {
    differs:
      'multipart parts of unequal size (last excepted): versitygw, MinIO, AWS S3 take them; R2 refuses them',
    handled: 'planParts: every part the same size but the last, on every store',
  },
} as const

export type StoreBehaviour = keyof typeof STORE_BEHAVIOURS

interface S3Failure {
  name?: string
  Code?: string
  $metadata?: { httpStatusCode?: number }
}
const failure = (err: unknown) => (err ?? {}) as S3Failure
const codeOf = (err: unknown) => failure(err).name ?? failure(err).Code ?? ''

/**
 * Per-bucket CORS: AWS S3, R2 and versitygw take `PutBucketCors`; MinIO answers
 * `501 NotImplemented` (its CORS is server-wide: `api cors_allowed_origin`).
 * Handled in `configureBucketCors`: the server warns with what to configure and runs.
 */
export function isPerBucketCorsUnsupported(err: unknown): boolean {
  return failure(err).$metadata?.httpStatusCode === 501 || codeOf(err) === 'NotImplemented'
}

/** The codes stores give a body that does not match the checksum (or MD5) sent with it. */
const CHECKSUM_REFUSALS = new Set([
  'BadDigest', // AWS S3 ("did not match what we received"), versitygw
  'InvalidDigest',
  'XAmzContentChecksumMismatch', // MinIO
  'XAmzContentSHA256Mismatch',
])

/** S3 refused a body because its bytes changed on the way (`STORE_BEHAVIOURS.checksumRefusal`). */
export function isChecksumRefusal(err: unknown): boolean {
  const { name, Code } = failure(err)
  return CHECKSUM_REFUSALS.has(name ?? '') || CHECKSUM_REFUSALS.has(Code ?? '')
}

/** The multipart upload is gone: completed or aborted (`STORE_BEHAVIOURS.goneUpload`). */
export function isNoSuchUpload(err: unknown): boolean {
  return codeOf(err) === 'NoSuchUpload'
}

/** A part as ListParts shows it, and as the writer recorded it when S3 acknowledged it. */
export interface ListedPart {
  Size?: number | undefined
  ChecksumCRC32?: string | undefined
  ChecksumSHA256?: string | undefined
  ETag?: string | undefined
}
export interface WrittenPart {
  size: number
  /** Base64 checksum of the bytes sent, in the upload's algorithm (CRC32, or SHA-256). */
  checksum: string
  etag: string
}

/** S3 ETags are quoted (`"abc"`); compare them without quotes or a weak prefix. */
const bareEtag = (etag: string | undefined) => (etag ?? '').replace(/^W\//, '').replace(/"/g, '')

/**
 * Is the part S3 lists the one that was written? Same size, and the same checksum where the
 * store lists checksums, else the same ETag (`listPartsChecksums`). A part a store padded
 * (`paddedShortBody`) or replaced fails this; so does a checksum of another algorithm.
 */
export function isPartAsWritten(listed: ListedPart, written: WrittenPart | undefined): boolean {
  if (!written || listed.Size !== written.size) return false
  const checksum = listed.ChecksumCRC32 ?? listed.ChecksumSHA256
  if (checksum) return checksum === written.checksum
  return bareEtag(listed.ETag) === bareEtag(written.etag)
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
