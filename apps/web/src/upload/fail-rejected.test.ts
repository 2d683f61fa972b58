import { Uppy } from '@uppy/core'
import type { Body } from '@uppy/core/utils'
import { describe, expect, it } from 'vitest'
import { failRejectedUploads } from './fail-rejected.ts'
import { LiveUploads } from './live-uploads.ts'
import type { UplinkMeta } from './uplink-meta.ts'
import { uploadState } from './upload-state.ts'
import { fileFacts, restartHeldUploads } from './watch-uploads.ts'

const docId = '0b6c1e52-54d7-4c39-9c55-3a3e8a1c7d01'
const reason = 'the stored bytes have SHA-256 AAA but the client declared BBB'

/** An Uppy holding one finished upload of document `docId`. */
function finishedUpload() {
  const uppy = new Uppy<UplinkMeta, Body>()
  const id = uppy.addFile({
    name: 'clip.webm',
    type: 'video/webm',
    data: new Blob([new Uint8Array(10)]),
    meta: { documentId: docId } as UplinkMeta,
  })
  uppy.setFileState(id, {
    progress: {
      uploadStarted: Date.now(),
      uploadComplete: true,
      percentage: 100,
      bytesUploaded: 10,
      bytesTotal: 10,
    },
  })
  return { uppy, id }
}

const stateOf = (uppy: Uppy<UplinkMeta, Body>, id: string) =>
  uploadState(fileFacts(uppy.getFile(id)), true, { kind: 'up' }, Date.now())

describe('a document rejected after its upload finished', () => {
  it('fails the upload with the rejection’s reason: tile, bar and state model agree', () => {
    const { uppy, id } = finishedUpload()
    const live = new LiveUploads()
    failRejectedUploads(uppy, live)
    live.learn([{ id: docId, status: 'uploaded', rejectionReason: null }])
    expect(stateOf(uppy, id)).toEqual({ kind: 'done' })

    live.learn([{ id: docId, status: 'rejected', rejectionReason: reason }])
    expect(stateOf(uppy, id)).toEqual({ kind: 'failed', reason })
    expect(uppy.getState().error).toContain(reason)
    // Not restarted by itself when the server comes back: only the user retries it.
    restartHeldUploads(uppy)
    expect(stateOf(uppy, id)).toEqual({ kind: 'failed', reason })
    // Retry starts a new document: nothing of the rejected one is left to resume.
    expect(uppy.getFile(id).meta.documentId).toBeUndefined()
    expect(uppy.getFile(id).progress).toMatchObject({ uploadComplete: false, bytesUploaded: 0 })
  })

  it('forgets a tus upload’s URL, so Retry creates a new upload', () => {
    const { uppy, id } = finishedUpload()
    const { documentId: _, ...meta } = uppy.getFile(id).meta
    uppy.setFileState(id, {
      meta: meta as UplinkMeta,
      tus: { uploadUrl: `http://page/files/olga/video/${docId}` },
    })
    const live = new LiveUploads()
    live.learn([{ id: docId, status: 'rejected', rejectionReason: reason }])
    failRejectedUploads(uppy, live)
    expect(stateOf(uppy, id)).toEqual({ kind: 'failed', reason })
    expect(uppy.getFile(id).tus?.uploadUrl).toBeNull()
  })

  it('fails an upload whose document was already known rejected when it is watched', () => {
    const { uppy, id } = finishedUpload()
    const live = new LiveUploads()
    live.learn([{ id: docId, status: 'rejected', rejectionReason: reason }])
    failRejectedUploads(uppy, live)
    expect(stateOf(uppy, id)).toEqual({ kind: 'failed', reason })
  })

  it('leaves other documents’ uploads and unfinished uploads alone', () => {
    const { uppy, id } = finishedUpload()
    const live = new LiveUploads()
    const stop = failRejectedUploads(uppy, live)
    live.learn([{ id: 'another', status: 'rejected', rejectionReason: reason }])
    expect(stateOf(uppy, id)).toEqual({ kind: 'done' })
    stop()
    live.learn([{ id: docId, status: 'rejected', rejectionReason: reason }])
    expect(stateOf(uppy, id)).toEqual({ kind: 'done' })
  })
})

describe('LiveUploads.learn', () => {
  it('tells its listeners of a new rejection only, and keeps the reason', () => {
    const live = new LiveUploads()
    let calls = 0
    live.subscribe(() => calls++)
    live.learn([{ id: docId, status: 'ready', rejectionReason: null }])
    expect(calls).toBe(0)
    live.learn([{ id: docId, status: 'rejected', rejectionReason: reason }])
    live.learn([{ id: docId, status: 'rejected', rejectionReason: reason }])
    expect(calls).toBe(1)
    expect(live.rejection(docId)).toBe(reason)
    live.learn([{ id: 'x', status: 'rejected', rejectionReason: null }])
    expect(live.rejection('x')).toBe('the server rejected the file')
  })
})
