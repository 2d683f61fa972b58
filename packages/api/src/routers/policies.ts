import { publicProcedure, router } from '../trpc.ts'

export const policiesRouter = router({
  /**
   * The upload policies per purpose (allowed content types, maximum size, methods) this server
   * enforces, so the web app and clients check and choose methods against the real ones.
   */
  list: publicProcedure.query(({ ctx }) => ctx.policies),
})
