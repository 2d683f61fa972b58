import { contentDisposition, isAppError } from '@uplink/core'
import type { Document } from '@uplink/db'
import { describe, expect, it } from 'vitest'
import { documentContent } from './document-content.ts'

const doc = {
  id: '7f9c2a52-36d4-4f2b-8a51-0d0a3d3f5d11',
  objectKey: 'alice/video/7f9c2a52-36d4-4f2b-8a51-0d0a3d3f5d11',
  filename: 'talk.mp4',
  contentType: 'video/mp4',
  status: 'ready',
  sha256: 'n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=',
} as Document
const head = {
  size: 1234,
  etag: '"abc"',
  contentType: 'video/mp4',
  lastModified: new Date('2026-11-29T10:00:00Z'),
}

describe('documentContent', () => {
  it('describes the stored bytes with the signed GET disposition and the verified digest', () => {
    expect(documentContent(doc, head)).toEqual({
      key: doc.objectKey,
      size: 1234,
      etag: '"abc"',
      lastModified: head.lastModified,
      contentType: 'video/mp4',
      contentDisposition: contentDisposition('inline', 'talk.mp4'),
      reprDigest: `sha-256=:${doc.sha256}:`,
    })
    expect(documentContent(doc, head, { disposition: 'attachment' }).contentDisposition).toBe(
      contentDisposition('attachment', 'talk.mp4'),
    )
    expect(documentContent({ ...doc, sha256: null }, head).reprDigest).toBeUndefined()
  })

  it('refuses a status that may not be downloaded, and a document with no stored object', () => {
    const pending = () => documentContent({ ...doc, status: 'pending' }, head)
    expect(pending).toThrow(/is pending and cannot be downloaded/)
    const uploaded = () =>
      documentContent({ ...doc, status: 'uploaded' }, head, { downloadable: ['ready'] })
    expect(uploaded).toThrow(/is uploaded/)
    try {
      documentContent(doc, undefined)
      expect.unreachable()
    } catch (err) {
      expect(isAppError(err, 'document_not_found')).toBe(true)
    }
  })
})
