import type { DocumentStatus, UploadMethod } from '@uplink/core'
import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely'

/**
 * The documents table. Columns are snake_case in SQL; CamelCasePlugin maps them here.
 * There is no URL column, ever: signed URLs are minted at the moment of use.
 */
export interface DocumentTable {
  id: string
  ownerId: string
  purpose: string
  objectKey: string
  filename: string
  contentType: string
  /** Declared at creation, verified by HeadObject before `uploaded`. */
  sizeBytes: number
  status: DocumentStatus
  method: UploadMethod
  /** tus upload id or S3 UploadId while the upload is in flight. */
  uploadRef: string | null
  rejectionReason: string | null
  createdAt: ColumnType<Date, never, never>
  updatedAt: ColumnType<Date, never, Date>
  confirmedAt: Date | null
  /** When a pending upload stops being valid; null once it has left `pending`. */
  expiresAt: Date | null
  /**
   * Whole-object SHA-256 (base64) of the stored bytes, set by the content check — or with
   * `uploaded`, when a tus upload's bytes passed it as they streamed into a store that verifies
   * part checksums (the check then reads nothing back).
   */
  sha256: ColumnType<string | null, never, string | null>
  /**
   * Why a tus upload's bytes failed the content check as they streamed in, set with `uploaded`;
   * the check then rejects the document with it, reading nothing back.
   */
  streamRejection: ColumnType<string | null, never, string | null>
  /** Set with `ready` when the virus scan was skipped, saying why. */
  scanNote: ColumnType<string | null, never, string | null>
  /** Whole-object SHA-256 (base64) the client declared; the content check must match it. */
  declaredSha256: ColumnType<string | null, string | null | undefined, never>
  /** ffprobe's facts of a `video` document, set with `ready` (all null until then, or if skipped). */
  videoDurationSeconds: ColumnType<number | null, never, number | null>
  videoWidth: ColumnType<number | null, never, number | null>
  videoHeight: ColumnType<number | null, never, number | null>
  videoCodec: ColumnType<string | null, never, string | null>
  /** Null when the video has no audio stream. */
  videoAudioCodec: ColumnType<string | null, never, string | null>
  videoBitrate: ColumnType<number | null, never, number | null>
  /** The derived poster JPEG (`<objectKey>.poster.jpg`); never a URL. */
  posterKey: ColumnType<string | null, never, string | null>
}

/** A part the tus store sent and S3 acknowledged with the checksum it was sent with. */
export interface TusPartTable {
  uploadId: string
  /** 0 for the incomplete part object, else the multipart part number. */
  partNumber: number
  size: ColumnType<number, number, number>
  /** Base64 checksum of the part's bytes, in its upload's algorithm (CRC32, or SHA-256). */
  checksum: ColumnType<string | null, string, string>
  /** The previous release's column (SHA-256 parts only): read when `checksum` is null. */
  sha256: ColumnType<string | null, null, null>
  etag: string
  createdAt: ColumnType<Date, never, never>
}

export interface Database {
  documents: DocumentTable
  tusParts: TusPartTable
}

export type Document = Selectable<DocumentTable>
export type NewDocument = Insertable<DocumentTable>
export type DocumentUpdate = Updateable<DocumentTable>
