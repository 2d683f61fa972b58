export { createTusServer, type TusServer, type TusServerOptions } from './create-tus-server.ts'
export { DOCUMENT_ID_HEADER } from './hooks/on-upload-create.ts'
export { LocalLocks } from './locking/local-locks.ts'
export {
  advisoryKey,
  type LockMode,
  PgLocker,
  type PgLockerOptions,
} from './locking/pg-locker.ts'
export { isTusError, type TusError, tusError } from './protocol/errors.ts'
export { MAX_METADATA_BYTES } from './protocol/metadata.ts'
export { parseUploadId } from './protocol/upload-id.ts'
export type { CleanupResult } from './store/cleanup-expired.ts'
export { UplinkS3Store } from './store/s3-store.ts'
