import type { Body, Uppy } from '@uppy/core'
import type { ServerWatch } from './server-watch.ts'
import type { UplinkFile, UplinkMeta } from './uplink-meta.ts'
import type { FileFacts } from './upload-state.ts'

/** No progress for this long while online: ask the server whether it is there. */
export const STALL_MS = 2000

/** The facts `uploadState` needs, read from Uppy's file. */
export function fileFacts(file: UplinkFile): FileFacts {
  const p = file.progress
  const total = Number(p.bytesTotal ?? file.size ?? 0)
  return {
    started: Boolean(p.uploadStarted),
    sent: Number(p.bytesUploaded || 0),
    total,
    complete: Boolean(p.uploadComplete),
    confirming: Boolean(p.postprocess),
    paused: Boolean(file.isPaused),
    error: file.error ? String(file.error) : undefined,
  }
}

/**
 * Still sending bytes. A file whose every byte is sent is finishing: its answer waits on the
 * server's work (completing the S3 upload, checking it), so a quiet line is no stall there, and
 * a probe that a busy server answers late must not restart (and so cut short) its last request.
 */
const isMoving = (f: UplinkFile) => {
  const { sent, total, started, complete, paused, error } = fileFacts(f)
  return started && !complete && !error && !paused && (total <= 0 || sent < total)
}

/**
 * Connects the uploads to the server watch: a stall or a failed request while online makes it
 * probe; when the server is back, every held upload restarts at once instead of waiting out
 * its own retry delay (tus backs off to 30 s).
 */
export function watchServerForUploads(uppy: Uppy<UplinkMeta, Body>, watch: ServerWatch) {
  const lastMove = new Map<string, { bytes: number; at: number }>()
  const tick = () => {
    const now = Date.now()
    for (const file of uppy.getFiles()) {
      if (!isMoving(file)) {
        lastMove.delete(file.id)
        continue
      }
      const bytes = Number(file.progress.bytesUploaded || 0)
      const seen = lastMove.get(file.id)
      if (!seen || seen.bytes !== bytes) {
        lastMove.set(file.id, { bytes, at: now })
        // Only bytes gained show the server is there: a drop is a retry starting a PATCH or part
        // over, which is what a failing server makes (taken as alive, it hid the outage).
        if (seen && bytes > seen.bytes) watch.alive()
      } else if (navigator.onLine && now - seen.at >= STALL_MS) {
        // One probe per 2 s of stall: a slow link that stalls often costs a request in 2 s.
        lastMove.set(file.id, { bytes, at: now })
        watch.suspect()
      }
    }
  }
  const timer = setInterval(tick, 500)
  const onError = () => {
    if (navigator.onLine) watch.suspect()
  }
  uppy.on('upload-error', onError)
  // An uploader that retries by itself (multipart's complete) reports each miss as a stall.
  uppy.on('upload-stalled', onError)
  return () => {
    clearInterval(timer)
    uppy.off('upload-error', onError)
    uppy.off('upload-stalled', onError)
  }
}

/** Restarts every unfinished upload now (the server is back, or the user asked). */
export function restartHeldUploads(uppy: Uppy<UplinkMeta, Body>): void {
  for (const file of uppy.getFiles()) {
    if (!file.progress.uploadStarted || file.progress.uploadComplete || file.isPaused) continue
    // A rejected document is not held: sending it again is the user's choice.
    if (file.meta.rejectedDocumentId) continue
    if (file.error) {
      void uppy.retryUpload(file.id)
    } else if (file.meta.method === 'tus' || file.meta.method === 'multipart') {
      // Pausing aborts a pending retry; resuming starts again where the upload stands (tus
      // asks the server for its offset with HEAD; multipart sends the parts still missing).
      uppy.pauseResume(file.id)
      uppy.pauseResume(file.id)
    }
  }
}
