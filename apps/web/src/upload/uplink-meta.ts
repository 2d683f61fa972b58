import type { UploadMethod } from '@uplink/core/browser'
import type { Body, UppyFile } from '@uppy/core'

/** What each file in the Uppy instance carries; `filename/filetype/purpose` go to tus as-is. */
export type UplinkMeta = {
  name: string
  type: string
  filename: string
  filetype: string
  purpose: string
  method: UploadMethod
  /** Set once the server has made the pending row (direct uploads). */
  documentId?: string
  /** The document the server rejected after this file's upload: only the user retries it. */
  rejectedDocumentId?: string
}

export type UplinkFile = UppyFile<UplinkMeta, Body>
