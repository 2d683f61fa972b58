import type { Body, Uppy } from '@uppy/core'
import GoldenRetriever from '@uppy/golden-retriever'
import type { UplinkFile, UplinkMeta } from './uplink-meta.ts'

/** Restored files whose bytes the browser could not keep: the user must pick them again. */
export function ghostFiles(files: Record<string, UplinkFile>): UplinkFile[] {
  return Object.values(files).filter((f) => f.isGhost)
}

/** "Pick talk.mp4 again to resume from 63 %." */
export function ghostPrompt(file: UplinkFile): string {
  const total = file.progress.bytesTotal ?? file.size ?? 0
  const percent =
    total > 0 ? Math.floor((Number(file.progress.bytesUploaded || 0) / total) * 100) : 0
  return `Pick ${file.name} again to resume from ${percent} %.`
}

/**
 * After a reload or a crashed tab, unfinished uploads come back (Golden Retriever: file state in
 * localStorage, bytes in IndexedDB up to 10 MiB a file) and resume by themselves once every
 * restored file has its bytes again; tus continues from the server's offset, multipart from the
 * parts `multipart.listParts` reports holding exactly its bytes.
 */
export function restoreUnfinished(uppy: Uppy<UplinkMeta, Body>): void {
  uppy.use(GoldenRetriever)
  const resumeWhenWhole = () => {
    const { recoveredState, files } = uppy.getState()
    if (recoveredState && ghostFiles(files).length === 0) uppy.emit('restore-confirmed')
  }
  uppy.on('restored', () => queueMicrotask(resumeWhenWhole))
  uppy.on('file-added', resumeWhenWhole)
}

/** Warns before leaving the page while anything is uploading. */
export function warnBeforeLeaving(uppy: Uppy<UplinkMeta, Body>): () => void {
  const onBeforeUnload = (event: BeforeUnloadEvent) => {
    if (Object.keys(uppy.getState().currentUploads).length === 0) return
    event.preventDefault()
    // Older browsers show the prompt only when returnValue is set.
    event.returnValue = ''
  }
  window.addEventListener('beforeunload', onBeforeUnload)
  return () => window.removeEventListener('beforeunload', onBeforeUnload)
}
