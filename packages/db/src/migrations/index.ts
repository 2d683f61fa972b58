import type { Migration } from 'kysely/migration'
import * as documents from './2026-11-28-0001-documents.ts'
import * as jobs from './2026-11-28-0002-jobs.ts'
import * as tusParts from './2026-11-29-0001-tus-parts.ts'
import * as documentSha256 from './2026-11-29-0002-document-sha256.ts'
import * as documentScanNote from './2026-11-29-0003-document-scan-note.ts'
import * as documentsOwnerUsage from './2026-11-29-0004-documents-owner-usage.ts'
import * as documentVideo from './2026-11-29-0005-document-video.ts'
import * as documentsSearch from './2026-11-29-0006-documents-search.ts'
import * as insertPendingWithinQuotas from './2026-12-07-0001-insert-pending-within-quotas.ts'
import * as jobsNotify from './2026-12-07-0010-jobs-notify.ts'
import * as uploadedQueuesCheck from './2026-12-07-0011-uploaded-queues-check.ts'
import * as tusPartsChecksum from './2026-12-07-0020-tus-parts-checksum.ts'
import * as documentStreamRejection from './2026-12-07-0021-document-stream-rejection.ts'

/**
 * Every migration, by name (date-prefixed, applied in name order). Imported statically rather
 * than read from a folder, so the same list works under vitest, tsx and the bundled server.
 */
export const migrations: Record<string, Migration> = {
  '2026-11-28-0001-documents': documents,
  '2026-11-28-0002-jobs': jobs,
  '2026-11-29-0001-tus-parts': tusParts,
  '2026-11-29-0002-document-sha256': documentSha256,
  '2026-11-29-0003-document-scan-note': documentScanNote,
  '2026-11-29-0004-documents-owner-usage': documentsOwnerUsage,
  '2026-11-29-0005-document-video': documentVideo,
  '2026-11-29-0006-documents-search': documentsSearch,
  '2026-12-07-0001-insert-pending-within-quotas': insertPendingWithinQuotas,
  '2026-12-07-0010-jobs-notify': jobsNotify,
  '2026-12-07-0011-uploaded-queues-check': uploadedQueuesCheck,
  '2026-12-07-0020-tus-parts-checksum': tusPartsChecksum,
  '2026-12-07-0021-document-stream-rejection': documentStreamRejection,
}
