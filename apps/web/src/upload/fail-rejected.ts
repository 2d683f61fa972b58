import type { Body, Uppy } from '@uppy/core'
import { documentIdOf, type LiveUploads } from './live-uploads.ts'
import type { UplinkMeta } from './uplink-meta.ts'

/**
 * A document the server rejects after its bytes arrived (the content check: a SHA-256 other
 * than the declared one, bytes that are not what the type says) fails its upload, with the
 * rejection's reason: the tile, the bar and the card tell the same truth. Uppy's own error
 * path is used, so the file's state (`file.error`) and the batch's bar both say failed.
 * The file forgets the rejected document and its progress, so Retry sends it again as a new
 * one (Uppy skips a file it counts as uploaded; resuming would only find it rejected again).
 */
export function failRejectedUploads(uppy: Uppy<UplinkMeta, Body>, live: LiveUploads): () => void {
  const check = () => {
    for (const file of uppy.getFiles()) {
      if (file.error || !file.progress.uploadComplete) continue
      const id = documentIdOf(file)
      const reason = id ? live.rejection(id) : undefined
      if (!reason) continue
      const { documentId: _rejected, ...meta } = file.meta
      uppy.setFileState(file.id, {
        meta: { ...meta, rejectedDocumentId: id } as UplinkMeta,
        progress: {
          bytesTotal: file.progress.bytesTotal,
          uploadStarted: file.progress.uploadStarted ?? Date.now(),
          uploadComplete: false,
          percentage: 0,
          bytesUploaded: 0,
        },
        ...(file.tus ? { tus: { ...file.tus, uploadUrl: null } } : {}),
      })
      uppy.emit('upload-error', uppy.getFile(file.id), new Error(reason))
    }
  }
  // The user's Retry: a new upload, which may fail and be retried by itself again.
  const onRetry = (file: { id: string } | undefined) => {
    const current = file && uppy.getFile(file.id)
    if (!current?.meta.rejectedDocumentId) return
    const { rejectedDocumentId: _, ...meta } = current.meta
    uppy.setFileState(current.id, { meta: meta as UplinkMeta })
  }
  uppy.on('upload-retry', onRetry)
  check()
  const unsubscribe = live.subscribe(check)
  return () => {
    unsubscribe()
    uppy.off('upload-retry', onRetry)
  }
}
