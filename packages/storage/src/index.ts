export type { StorageConfig } from './client.ts'
export { createS3Client } from './client.ts'
export { MAX_COPY_OBJECT_BYTES } from './copy.ts'
export { checkExpiry, EXPIRY_LIMITS, type ExpiryKind } from './expiry.ts'
export {
  isStagedMethod,
  objectKey,
  ownerSegment,
  parseStagingKey,
  stagingKey,
  uploadKey,
} from './keys.ts'
export {
  type InProgressUpload,
  MULTIPART_LIMITS,
  planParts,
  type UploadedPart,
} from './multipart.ts'
export type { ObjectHead } from './objects.ts'
export type { PresignedGet, PresignedPart, PresignedPost, PresignedPut } from './presign.ts'
export { createStorage, type Storage } from './storage.ts'
