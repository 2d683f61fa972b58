import type { Body, Uppy } from '@uppy/core'
import type { UplinkMeta } from './uplink-meta.ts'

/**
 * Waits before each automatic retry of a failed request: backing off to 30 s, then every 30 s
 * for about 30 minutes, so an outage while the user waits never ends the upload. (While the
 * browser reports itself offline, Uppy holds the queue and sends nothing.)
 */
export const RETRY_DELAYS: number[] = [
  0,
  1000,
  2000,
  4000,
  8000,
  15_000,
  ...Array.from({ length: 60 }, () => 30_000),
]

/**
 * Restarts the uploads that failed for want of a network as soon as the browser is back
 * online, so even a give-up after the retries restarts by itself.
 */
export function retryWhenBackOnline(uppy: Uppy<UplinkMeta, Body>): void {
  const failedOffline = new Set<string>()
  uppy.on('upload-error', (file, error) => {
    const status = (error as { originalResponse?: { getStatus(): number } } | undefined)
      ?.originalResponse
    // A rejected document (no answer status either) is not a network failure.
    if (file?.meta.rejectedDocumentId) return
    if (file && (!navigator.onLine || status == null)) failedOffline.add(file.id)
  })
  const retry = () => {
    for (const id of failedOffline) {
      if (uppy.getFile(id)?.error) void uppy.retryUpload(id)
    }
    failedOffline.clear()
  }
  uppy.on('back-online', retry)
  window.addEventListener('online', retry)
}
