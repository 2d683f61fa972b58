import type { UploadMethod } from '@uplink/core/browser'
import type { Body, UppyFile } from '@uppy/core'

/** What each file in the Uppy instance carries; `filename/filetype/purpose/sha256` go to tus as-is. */
export type UplinkMeta = {
  name: string
  type: string
  filename: string
  filetype: string
  purpose: string
  method: UploadMethod
  /** Base64 SHA-256 of the whole file, declared at tus creation (set before upload). */
  sha256?: string
  /** Set once the server has made the pending row (direct uploads). */
  documentId?: string
  /** The document the server rejected after this file's upload: only the user retries it. */
  rejectedDocumentId?: string
}

export type UplinkFile = UppyFile<UplinkMeta, Body>
