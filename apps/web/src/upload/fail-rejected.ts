import type { Body, Uppy } from '@uppy/core'
import { documentIdOf, type LiveUploads } from './live-uploads.ts'
import type { UplinkMeta } from './uplink-meta.ts'

/**
 * A document the server rejects after its bytes arrived (the content check: a SHA-256 other
 * than the declared one, bytes that are not what the type says) fails its upload, with the
 * rejection's reason: the tile, the bar and the card tell the same truth. Uppy's own error
 * path is used, so the file's state (`file.error`) and the batch's bar both say failed.
 */
export function failRejectedUploads(uppy: Uppy<UplinkMeta, Body>, live: LiveUploads): () => void {
  const check = () => {
    for (const file of uppy.getFiles()) {
      if (file.error || !file.progress.uploadComplete) continue
      const id = documentIdOf(file)
      const reason = id ? live.rejection(id) : undefined
      if (reason) uppy.emit('upload-error', file, new Error(reason))
    }
  }
  check()
  return live.subscribe(check)
}
