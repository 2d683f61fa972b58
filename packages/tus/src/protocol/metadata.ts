import {
  hasNul,
  MAX_FILENAME_INPUT,
  normalizeContentType,
  nulMessage,
  sha256Input,
} from '@uplink/core'
import { tusError } from './errors.ts'

/** Upload-Metadata larger than this is refused before anything is parsed further. */
export const MAX_METADATA_BYTES = 4096

export interface UploadMetadata {
  filename: string
  /** Normalised media type, e.g. `video/mp4`. */
  filetype: string
  purpose: string
  /** Whole-object SHA-256 (base64) the client declares; the content check must match it. */
  sha256?: string
}

const MEDIA_TYPE = /^[\w.+-]+\/[\w.+-]+$/

/** Throws 400 for an Upload-Metadata header over MAX_METADATA_BYTES. */
export function checkMetadataSize(header: string | null): void {
  const bytes = Buffer.byteLength(header ?? '', 'utf8')
  if (bytes > MAX_METADATA_BYTES) {
    throw tusError(
      'bad_input',
      `Upload-Metadata is ${bytes} bytes; at most ${MAX_METADATA_BYTES} bytes are accepted`,
    )
  }
}

/**
 * The keys Uplink needs from Upload-Metadata (`filename`, `filetype`, `purpose`), each required,
 * and the optional `sha256`; a missing or invalid one is a 400 naming the key.
 */
export function readMetadata(metadata: Record<string, string | null> | undefined): UploadMetadata {
  const value = (key: keyof UploadMetadata): string => {
    const v = metadata && Object.hasOwn(metadata, key) ? metadata[key] : undefined
    if (typeof v !== 'string' || v.trim() === '') {
      throw tusError(
        'bad_input',
        `Upload-Metadata must include "${key}" (base64-encoded, not empty)`,
      )
    }
    if (hasNul(v)) throw tusError('bad_input', nulMessage(`Upload-Metadata "${key}"`))
    return v
  }
  const filename = value('filename')
  if (filename.length > MAX_FILENAME_INPUT) {
    throw tusError(
      'bad_input',
      `Upload-Metadata "filename" must be at most ${MAX_FILENAME_INPUT} characters`,
    )
  }
  const filetype = normalizeContentType(value('filetype'))
  if (!MEDIA_TYPE.test(filetype)) {
    throw tusError('bad_input', 'Upload-Metadata "filetype" must be a media type such as video/mp4')
  }
  const sha256 = metadata && Object.hasOwn(metadata, 'sha256') ? metadata.sha256 : undefined
  if (sha256 !== undefined && !sha256Input.safeParse(sha256).success) {
    throw tusError(
      'bad_input',
      'Upload-Metadata "sha256" must be the base64 SHA-256 digest of the whole file (44 characters)',
    )
  }
  return { filename, filetype, purpose: value('purpose'), ...(sha256 ? { sha256 } : {}) }
}
