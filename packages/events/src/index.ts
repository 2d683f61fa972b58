export {
  type ClamdAddress,
  clamdPing,
  clamdScan,
  createClamavScanner,
  parseClamdAddress,
} from './clamav.ts'
export {
  type CheckOptions,
  type CheckOutcome,
  type CheckResult,
  type ContentCheckDeps,
  checkContent,
  DEFAULT_SCAN_MAX_BYTES,
  ScanFailedError,
} from './content-check.ts'
export {
  backoffMs,
  type ClaimOptions,
  claimJobs,
  completeJob,
  enqueueJob,
  failJob,
  type Job,
  type JobTable,
  jobsDb,
  type NewJob,
  renewLease,
} from './job-queue.ts'
export type { Log } from './log.ts'
export {
  enqueueContentCheck,
  enqueueObjectCreated,
  JOB_CHECK_CONTENT,
  JOB_OBJECT_CREATED,
  type ObjectCreatedDeps,
  type ObjectCreatedOutcome,
  onObjectCreated,
} from './object-created.ts'
export {
  type ReconcileDeps,
  type ReconcileOptions,
  type ReconcileSummary,
  reconcile,
} from './reconcile.ts'
export { withReconcileLock } from './reconcile-lock.ts'
export { counts, createEventsRuntime, type EventsConfig, type EventsRuntime } from './runtime.ts'
export {
  decodeEventKey,
  MalformedEventError,
  type ObjectCreatedEvent,
  parseS3Notification,
} from './s3-event.ts'
export type { Scanner, ScanResult } from './scanner.ts'
export { createSqsConsumer, type SqsConsumer, type SqsConsumerOptions } from './sqs-consumer.ts'
export { typeMismatch } from './type-family.ts'
export {
  createWorker,
  type JobContext,
  type JobHandler,
  LeaseLostError,
  type Worker,
  type WorkerOptions,
} from './worker.ts'
