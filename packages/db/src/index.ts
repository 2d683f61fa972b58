export { createDb, type DbConfig, type PoolStats, poolOf, poolStats } from './create-db.ts'
export {
  DOCUMENT_SORTS,
  type DocumentSort,
  InvalidCursorError,
  type ListDocumentsOptions,
  listDocumentsForOwner,
  type Page,
} from './document-list.ts'
export { documentByKeyStatement, documentFromRow } from './document-statement.ts'
export * from './documents.ts'
export { migrateToLatest } from './migrate.ts'
export {
  JOBS_CHANNEL,
  type ListenOptions,
  listenForNotifications,
  type NotificationListener,
} from './notifications.ts'
export { type PinnedConnection, pinConnection } from './pinned-connection.ts'
export type {
  Database,
  Document,
  DocumentTable,
  DocumentUpdate,
  NewDocument,
  TusPartTable,
} from './schema.ts'
export * from './tus-parts.ts'
export { insertPendingDocumentWithin, uploadUsage } from './usage.ts'
