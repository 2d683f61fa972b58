import { describe, expect, it } from 'vitest'
import { statusText } from '../documents/status.ts'
import { documentIdOf, LiveUploads } from './live-uploads.ts'
import type { UplinkFile } from './uplink-meta.ts'
import type { UploadState } from './upload-state.ts'

const file = (meta: object, tus?: object) => ({ id: 'f', meta, tus }) as unknown as UplinkFile
const docId = '0b6c1e52-54d7-4c39-9c55-3a3e8a1c7d01'

describe('LiveUploads', () => {
  it('knows the document of a direct upload by its meta and of a tus upload by its URL', () => {
    expect(documentIdOf(file({ documentId: docId }))).toBe(docId)
    expect(documentIdOf(file({}, { uploadUrl: `http://host/files/olga/video/${docId}` }))).toBe(
      docId,
    )
    expect(documentIdOf(file({}, { uploadUrl: `/files/olga/video/${docId}` }))).toBe(docId)
    expect(documentIdOf(file({}))).toBeUndefined()
  })

  it('tells its listeners only when a state or the set of documents changes', () => {
    const live = new LiveUploads()
    let calls = 0
    live.subscribe(() => calls++)
    const uploading: UploadState = { kind: 'uploading', sent: 1, total: 10 }
    const f = file({ documentId: docId })
    live.publish([{ file: f, state: uploading }])
    live.publish([{ file: f, state: { ...uploading } }])
    expect(calls).toBe(1)
    expect(live.get(docId)).toEqual(uploading)
    expect(live.ids()).toBe(docId)
    live.publish([{ file: f, state: { kind: 'offline', sent: 1, total: 10 } }])
    live.publish([])
    expect(calls).toBe(3)
    expect(live.get(docId)).toBeUndefined()
  })
})

describe('a pending document in words', () => {
  const pending = { status: 'pending' as const, rejectionReason: null }
  it('says what its upload in this page says, from the one state model', () => {
    expect(statusText(pending, { kind: 'offline', sent: 5, total: 10 })).toBe(
      'Paused at 50 %: you are offline',
    )
    expect(statusText(pending, { kind: 'finishing' })).toMatch(/^Finishing/)
  })
  it('claims no upload when none runs in this page', () => {
    expect(statusText(pending)).toBe('Upload not finished')
    expect(statusText({ status: 'ready', rejectionReason: null }, { kind: 'done' })).toBe('Ready')
  })
})
