export { createDb, type DbConfig } from './create-db.ts'
export * from './documents.ts'
export { migrateToLatest } from './migrate.ts'
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
