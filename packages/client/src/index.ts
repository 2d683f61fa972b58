export type { AppRouter } from '@uplink/api'
export type { DocumentView as Document, DocumentView } from '@uplink/core'
export {
  chooseMethod,
  guessContentType,
  PUT_MAX_BYTES,
  type UploadMethodChoice,
} from './choose-method.ts'
export { createUplinkClient, type UplinkClient, type UplinkClientOptions } from './client.ts'
export { fetchSigned } from './download.ts'
export { toUplinkError, UplinkError, type UplinkErrorCode } from './errors.ts'
export { backoffDelay, isRetryable, type RetryOptions, withRetry } from './retry.ts'
export type { UploadSource } from './source.ts'
export { defaultStateDir, StateStore, type UploadState } from './state-store.ts'
export type { RouterInputs, RouterOutputs, UplinkTrpc } from './trpc.ts'
export type { DefaultPurpose, UploadFileOptions, UploadProgress } from './upload/options.ts'
export { DOCUMENT_ID_HEADER } from './upload/tus.ts'
