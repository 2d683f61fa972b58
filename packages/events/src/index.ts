// The public API of the worker package: what the server and its CLIs use. Everything else
// (queue internals, checks, the clamd client) stays inside and is tested where it lives.

export { DEFAULT_SCAN_MAX_BYTES } from './content-check.ts'
export {
  type ReconcileDeps,
  type ReconcileOptions,
  type ReconcileSummary,
  reconcile,
} from './reconcile.ts'
export { counts, createEventsRuntime, type EventsConfig, type EventsRuntime } from './runtime.ts'
export { MalformedEventError, type ObjectCreatedEvent, parseS3Notification } from './s3-event.ts'
export type { VideoTools } from './video/inspect-video.ts'
