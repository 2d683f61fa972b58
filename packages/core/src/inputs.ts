import { z } from 'zod'
import { MAX_FILENAME_INPUT } from './filename.ts'
import { textInput } from './text.ts'

/** Input shapes shared by the API and its clients; messages name the field. */
export const purposeInput = textInput('purpose')
  .min(1, 'purpose is required')
  .max(32, 'purpose is too long')
export const filenameInput = textInput('filename')
  .min(1, 'filename is required')
  .max(MAX_FILENAME_INPUT, `filename must be at most ${MAX_FILENAME_INPUT} characters`)
export const contentTypeInput = textInput('contentType')
  .min(3, 'contentType is required')
  .max(255, 'contentType is too long')
export const sizeInput = z
  .number()
  .int('size must be a whole number of bytes')
  .positive('size must be greater than 0')
  .max(Number.MAX_SAFE_INTEGER)
export const sha256Input = z
  .string()
  .regex(/^[A-Za-z0-9+/]{43}=$/, 'sha256 must be the base64 SHA-256 digest (44 characters)')
export const documentIdInput = z.uuid('id must be a document id (uuid)')

export const uploadRequestInput = z.object({
  purpose: purposeInput,
  filename: filenameInput,
  contentType: contentTypeInput,
  size: sizeInput,
})
export type UploadRequestInput = z.infer<typeof uploadRequestInput>
