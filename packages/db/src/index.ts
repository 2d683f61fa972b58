export { createDb, type DbConfig, type PoolStats, poolStats } from './create-db.ts'
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
