import type { UploadMethodChoice } from '../choose-method.ts'
import type { StateStore } from '../state-store.ts'

/** Progress of one upload, reported as bytes reach storage. */
export interface UploadProgress {
  bytesUploaded: number
  bytesTotal: number
  method: Exclude<UploadMethodChoice, 'auto'>
}

/**
 * The purposes of the server's built-in policies. A server with other purposes
 * (`UPLINK_POLICIES`): widen with `createUplinkClient<'audio' | DefaultPurpose>(…)`, or
 * `createUplinkClient<string>(…)` for any.
 */
export type DefaultPurpose = 'document' | 'video' | 'image'

/** Options of `uploadFile`; `P`: the purposes the server accepts (see DefaultPurpose). */
export interface UploadFileOptions<P extends string = DefaultPurpose> {
  /** The upload purpose (its policy decides types, sizes and methods). */
  purpose: P
  /**
   * `auto` (default): PUT for small files, else multipart or tus as the purpose allows; always
   * tus for a purpose with `inspection: 'sync'`, where `put` and `multipart` throw `BAD_REQUEST`.
   */
  method?: UploadMethodChoice
  /** Display name; defaults to the file's name (required for Buffers and streams). */
  filename?: string
  /** Defaults to a guess from the filename's extension. */
  contentType?: string
  /** Size in bytes; required for a Readable source. */
  size?: number
  onProgress?: (progress: UploadProgress) => void
  /** Cancels the upload; a multipart or tus upload can then be resumed by running it again. */
  signal?: AbortSignal
  /** Part PUTs in flight at once for multipart (default 4). */
  partConcurrency?: number
  /** Where resume state is kept (default `$XDG_STATE_HOME/uplink`). */
  stateDir?: string
  /** Resume key for sources that are not paths (a path resumes by path + size + mtime). */
  resumeKey?: string
}

/** What the method-specific uploaders receive, already resolved. */
export interface UploadRequest {
  purpose: string
  filename: string
  contentType: string
  size: number
}

/** Reports progress and cancellation to the method-specific uploaders. */
export interface UploadControl {
  signal: AbortSignal | undefined
  progress(bytesUploaded: number): void
  partConcurrency: number
  /** Resume state, when the source is resumable. */
  resume: { store: StateStore; key: string } | undefined
}
