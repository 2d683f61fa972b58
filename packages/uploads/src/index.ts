export {
  createPendingUpload,
  insertPendingWithinLimits,
  type PendingUploadContext,
  type UploadInput,
} from './create-pending-upload.ts'
export {
  declareFinalSha256,
  declareWholeSha256,
  type WholeSha256Outcome,
} from './declared-sha256.ts'
export { type DocumentContent, documentContent } from './document-content.ts'
export { toDocumentView, videoFacts, viewDocument } from './document-view.ts'
export {
  assertDownloadable,
  DEFAULT_DOWNLOADABLE,
  mintDownloadUrl,
  reprDigest,
} from './download-url.ts'
export {
  GALLERY_PURPOSE,
  type GalleryAccess,
  type GalleryCookies,
  type GallerySigner,
  galleryPrefix,
  signGalleryAccess,
} from './gallery-access.ts'
export {
  CHECKSUM_PROBE_PREFIX,
  type ChecksumProbe,
  ChecksumTrust,
} from './inspection/checksum-trust.ts'
export {
  type ClamdAddress,
  clamdPing,
  clamdScan,
  createClamavScanner,
  DEFAULT_SCAN_MAX_BYTES,
  parseClamdAddress,
} from './inspection/clamav.ts'
export {
  Inspection,
  type InspectionFailure,
  type InspectionRules,
  type InspectionVerdict,
  inspectStream,
  SNIFF_BYTES,
  sha256Mismatch,
  storedSha256Mismatch,
} from './inspection/inspection.ts'
export type { Scanner, ScanResult } from './inspection/scanner.ts'
export {
  inspectionRules,
  inspectStored,
  type SettleDeps,
  settleInspection,
} from './inspection/settle-inspection.ts'
export { typeMismatch } from './inspection/type-family.ts'
export {
  MULTIPART_ROW_TTL_SECONDS,
  type OwnerContext,
  ownMultipart,
  pendingMultipart,
  plan,
} from './multipart-document.ts'
export {
  badPartNumber,
  type ClaimedPart,
  type CompletePart,
  checkPartList,
  checkSignRequest,
  normalizeEtag,
} from './multipart-parts.ts'
export { promoteStaged, type StagingStorage } from './promote-staged.ts'
export {
  isUploadMissing,
  isUploadRejected,
  judgeObject,
  type ObjectVerdict,
  type VerifyDeps,
  type VerifyOptions,
  verifyUpload,
} from './verify-upload.ts'
