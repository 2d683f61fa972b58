import type { Body, Uppy } from '@uppy/core'
import { type ApiClient, errorMessage } from '../api/client.ts'
import { withRetries } from './transient.ts'
import type { UplinkFile, UplinkMeta } from './uplink-meta.ts'

const isDirect = (file: UplinkFile | undefined) =>
  file !== undefined && (file.meta.method === 'put' || file.meta.method === 'post')

/**
 * Step 2 of the two-step confirmation for presigned PUT/POST uploads, started the moment each
 * file's own upload succeeds (not when the whole batch ends), so a small file next to a large
 * video is `uploaded` and downloadable at once. The post-processor only waits for those
 * confirmations to show "Confirming…" and turn a refusal into the file's error.
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
    if (!isDirect(current) || !current.meta.documentId) return
    const documentId = current.meta.documentId
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
  })

  // A file removed before it was confirmed was cancelled: its pending row and bytes go too.
  uppy.on('file-removed', (file) => {
    if (!isDirect(file) || !file.meta.documentId || confirming.has(file.id)) return
    api.documents.delete.mutate({ id: file.meta.documentId }).catch(() => {
      // Already gone, or the upload never reached the server: reconciliation sweeps the rest.
    })
  })

  uppy.addPostProcessor(async (fileIDs: string[]) => {
    await Promise.all(
      fileIDs.map(async (id) => {
        const pending = confirming.get(id)
        const file = uppy.getFile(id)
        if (!pending || !file) return
        uppy.emit('postprocess-progress', file, { mode: 'indeterminate', message: 'Confirming…' })
        const error = await pending
        uppy.emit('postprocess-complete', file)
        if (error) uppy.emit('upload-error', uppy.getFile(id), new Error(error))
      }),
    )
  })
}
