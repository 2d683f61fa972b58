export {
  type AuthConfig,
  type Authenticate,
  createAuthenticate,
  signDevToken,
  type User,
} from './auth.ts'
export { toErrorBody } from './error-body.ts'
export { type AppRouter, appRouter, createCaller } from './root.ts'
export {
  type ApiDeps,
  type Context,
  createContextFactory,
  type GalleryConfig,
  type HttpExchange,
  type ProcedureCall,
} from './trpc.ts'
