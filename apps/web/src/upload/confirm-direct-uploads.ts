import type { Body, Uppy } from '@uppy/core'
import { type ApiClient, errorMessage } from '../api/client.ts'
import { withRetries } from './transient.ts'
import type { UplinkFile, UplinkMeta } from './uplink-meta.ts'

const isDirect = (file: UplinkFile | undefined) =>
  file !== undefined && (file.meta.method === 'put' || file.meta.method === 'post')

/**
 * Step 2 of the two-step confirmation for presigned PUT/POST uploads, started the moment each
 * file's own upload succeeds (not when the whole batch ends), so a small file next to a large
 * video is `uploaded` and downloadable at once, and its tile shows "Confirming…" then finished
 * (or the refusal) as soon as its own confirmation ends.
 * (tus and multipart confirm themselves on the server.)
 */
export function confirmDirectUploads(
  uppy: Uppy<UplinkMeta, Body>,
  api: ApiClient,
  onConfirmed: (file: UplinkFile) => void = () => {},
) {
  const confirming = new Map<string, Promise<string | undefined>>()

  uppy.on('upload-success', (file) => {
    if (!file) return
    const current = uppy.getFile(file.id)
    if (!current) return
    if (!isDirect(current) || !current.meta.documentId) {
      // Nothing to confirm (tus and multipart): Uppy marked it post-processing because a
      // post-processor exists; it is finished now, whatever else the batch still sends.
      if (current.progress.postprocess) uppy.emit('postprocess-complete', current)
      return
    }
    const documentId = current.meta.documentId
    uppy.emit('postprocess-progress', current, { mode: 'indeterminate', message: 'Confirming…' })
    confirming.set(
      file.id,
      // A 502 or a dropped connection must not leave the document pending: ask again.
      withRetries(() => api.uploads.confirm.mutate({ documentId })).then(
        () => {
          onConfirmed(current)
          return undefined
        },
        (err: unknown) => errorMessage(err),
      ),
    )
    // The tile turns finished (or failed) when its own confirmation ends, not when the
    // batch's post-processing step starts after the last file of the batch (a long video).
    void confirming.get(file.id)?.then((error) => {
      const now = uppy.getFile(file.id)
      if (!now) return
      uppy.emit('postprocess-complete', now)
      if (error) uppy.emit('upload-error', uppy.getFile(file.id), new Error(error))
    })
  })

  // A file removed before it was confirmed was cancelled: its pending row and bytes go too.
  uppy.on('file-removed', (file) => {
    if (!isDirect(file) || !file.meta.documentId || confirming.has(file.id)) return
    api.documents.delete.mutate({ id: file.meta.documentId }).catch(() => {
      // Already gone, or the upload never reached the server: reconciliation sweeps the rest.
    })
  })

  // Holds the batch's "complete" until every confirmation has ended (each file has already
  // been marked as it ended, above).
  uppy.addPostProcessor(async (fileIDs: string[]) => {
    await Promise.all(fileIDs.map((id) => confirming.get(id)))
  })
}
