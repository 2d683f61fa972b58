import { documentsRouter } from './routers/documents.ts'
import { uploadsRouter } from './routers/uploads.ts'
import { createCallerFactory, router } from './trpc.ts'

export const appRouter = router({
  uploads: uploadsRouter,
  documents: documentsRouter,
})

/** The API's type: clients import it with `import type` only. */
export type AppRouter = typeof appRouter

export const createCaller = createCallerFactory(appRouter)
