export {
  type AuthConfig,
  type Authenticate,
  createAuthenticate,
  signDevToken,
  type User,
} from './auth.ts'
export { type AppRouter, appRouter, createCaller } from './root.ts'
export { toDocumentView } from './services/document-view.ts'
export { mintDownloadUrl, NotDownloadableError, reprDigest } from './services/download-url.ts'
export { isDependencyUnavailable } from './services/unavailable.ts'
export { UploadMissingError, UploadRejectedError, verifyUpload } from './services/verify-upload.ts'
export {
  type ApiDeps,
  type Context,
  createContextFactory,
  type Log,
  type ProcedureCall,
} from './trpc.ts'
