import { documentsRouter } from './routers/documents.ts'
import { multipartRouter } from './routers/multipart.ts'
import { policiesRouter } from './routers/policies.ts'
import { uploadsRouter } from './routers/uploads.ts'
import { createCallerFactory, router } from './trpc.ts'

export const appRouter = router({
  uploads: uploadsRouter,
  documents: documentsRouter,
  multipart: multipartRouter,
  policies: policiesRouter,
})

/** The API's type: clients import it with `import type` only. */
export type AppRouter = typeof appRouter

export const createCaller = createCallerFactory(appRouter)
