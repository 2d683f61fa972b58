import { S3Client } from '@aws-sdk/client-s3'
import type { CredentialProvider, CredentialSource } from './credentials.ts'

export interface StorageConfig {
  /** Omit for AWS; set for R2, MinIO, versitygw. */
  endpoint?: string
  region: string
  bucket: string
  /**
   * Static keys (with a session token for temporary ones), a provider, or omitted: the AWS SDK's
   * default credential chain.
   */
  credentials?: CredentialSource
  /** Path-style URLs (`endpoint/bucket/key`); versitygw and MinIO need it. */
  forcePathStyle: boolean
  /**
   * SHA-256 checksums on every part (presigned or tus) and PUT, verified by the store (default true).
   * Turn off only for a store that cannot take `x-amz-checksum-sha256`: parts are then checked
   * by size and ETag alone.
   */
  checksums?: boolean | undefined
}

/**
 * One S3 client per process. `credentials` is the provider the presigner uses too, so both sign
 * with the same (refreshed) credentials.
 */
export function createS3Client(config: StorageConfig, credentials?: CredentialProvider): S3Client {
  return new S3Client({
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    region: config.region,
    ...((credentials ?? config.credentials)
      ? { credentials: credentials ?? config.credentials }
      : {}),
    forcePathStyle: config.forcePathStyle,
    // Default CRC32 checksums would be baked into presigned URLs as a checksum of an
    // empty body; only send checksums where an operation requires them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  })
}
