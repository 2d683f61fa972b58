import type { Body, Uppy } from '@uppy/core'
import { type ApiClient, errorMessage } from '../api/client.ts'
import type { UplinkMeta } from './uplink-meta.ts'

/**
 * Post-processor for presigned PUT/POST uploads: step 2 of the two-step confirmation, where
 * the server checks the object (HeadObject) before the document counts as uploaded. A refusal
 * becomes the file's error with the server's message. (tus and multipart confirm themselves.)
 */
export function confirmDirectUploads(uppy: Uppy<UplinkMeta, Body>, api: ApiClient) {
  return async (fileIDs: string[]) => {
    const files = fileIDs
      .map((id) => uppy.getFile(id))
      .filter(
        (f) =>
          f !== undefined &&
          !f.error &&
          f.progress.uploadComplete &&
          (f.meta.method === 'put' || f.meta.method === 'post') &&
          f.meta.documentId,
      )
    await Promise.all(
      files.map(async (file) => {
        uppy.emit('postprocess-progress', file, { mode: 'indeterminate', message: 'Confirming…' })
        try {
          await api.uploads.confirm.mutate({ documentId: file.meta.documentId ?? '' })
          uppy.emit('postprocess-complete', file)
        } catch (err) {
          uppy.emit('postprocess-complete', file)
          uppy.emit('upload-error', uppy.getFile(file.id), new Error(errorMessage(err)))
        }
      }),
    )
  }
}
