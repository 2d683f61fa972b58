import type { UploadMethod } from './purposes.ts'

export const DOCUMENT_STATUSES = [
  'pending',
  'uploaded',
  'ready',
  'rejected',
  'expired',
  'deleted',
] as const
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number]

/** The state machine: a transition not listed here is a bug, never a silent overwrite. */
export const TRANSITIONS: Readonly<Record<DocumentStatus, readonly DocumentStatus[]>> = {
  pending: ['uploaded', 'rejected', 'expired', 'deleted'],
  uploaded: ['ready', 'rejected', 'deleted'],
  ready: ['deleted'],
  rejected: ['deleted'],
  expired: ['deleted'],
  deleted: [],
}

export function canTransition(from: DocumentStatus, to: DocumentStatus): boolean {
  return TRANSITIONS[from].includes(to)
}

/** The document as the API shows it: JSON-safe, ISO dates, never a URL. */
export interface DocumentView {
  id: string
  purpose: string
  filename: string
  contentType: string
  size: number
  status: DocumentStatus
  method: UploadMethod
  createdAt: string
  confirmedAt: string | null
  rejectionReason: string | null
  /**
   * Whole-object SHA-256 (base64) of the stored bytes; null until the content check — or, for a
   * tus upload checked on its PATCH stream, already set while `uploaded` (the check is done then).
   */
  sha256: string | null
  /** The whole-file SHA-256 (base64) the client declared at upload, or null if it declared none. */
  declaredSha256: string | null
  /** Why the virus scan was skipped (e.g. over the scanner's size limit), when it was. */
  scanNote: string | null
  /** What ffprobe found in a `ready` video; null for other documents or when probing was skipped. */
  video: VideoFacts | null
  /**
   * A short-lived signed GET of the video's poster JPEG, minted for this response (never
   * stored); null when there is no poster.
   */
  posterUrl: string | null
}

/** The facts of a video, as ffprobe reports them. */
export interface VideoFacts {
  durationSeconds: number
  width: number
  height: number
  /** ffprobe's codec name, e.g. `h264`. */
  videoCodec: string
  /** Null when there is no audio stream. */
  audioCodec: string | null
  /** Bits per second of the whole file; null when the container does not say. */
  bitrate: number | null
}
