export {
  isStagedMethod,
  objectKey,
  ownerSegment,
  parseStagingKey,
  stagingKey,
  uploadKey,
} from '@uplink/core/object-key'
export type { CorsResult } from './bucket.ts'
export type { StorageConfig } from './client.ts'
export { createS3Client } from './client.ts'
export { MAX_COPY_OBJECT_BYTES } from './copy.ts'
export {
  type CredentialProvider,
  type CredentialSource,
  credentialProvider,
  REFRESH_BEFORE_EXPIRY_MS,
  type ResolvedCredentials,
} from './credentials.ts'
export { checkExpiry, EXPIRY_LIMITS, type ExpiryKind } from './expiry.ts'
export { type CallMiddleware, createLeanS3, type LeanS3 } from './lean-s3.ts'
export { type ListedObject, listObjects } from './list-objects.ts'
export {
  type InProgressUpload,
  MULTIPART_LIMITS,
  planParts,
  type UploadedPart,
} from './multipart.ts'
export type { ObjectHead } from './objects.ts'
export type { OpenedObject } from './open-object.ts'
export type { PresignedGet, PresignedPart, PresignedPost, PresignedPut } from './presign.ts'
export { type PutStreamInput, STREAM_PART_BYTES } from './put-stream.ts'
export { ObjectChangedError, type ReadStreamOptions } from './read-stream.ts'
export type { Credentials } from './sigv4.ts'
export { createStorage, type Storage } from './storage.ts'
export {
  isChecksumRefusal,
  isNoSuchUpload,
  isPartAsWritten,
  type ListedPart,
  STORE_BEHAVIOURS,
  type StoreBehaviour,
  type WrittenPart,
} from './store-behaviours.ts'
