import { describe, expect, it } from 'vitest'
import { belongsTo, isSafeRawPath, parseUploadId, uploadIdFromPath } from './upload-id.ts'

const id = 'alice/video/0b6c1a52-6f0e-4c43-9d53-3c1f3f0f6a11'

describe('upload ids', () => {
  it('parses the key segments of an id the naming function made', () => {
    expect(parseUploadId(id)).toEqual({
      ownerSegment: 'alice',
      purpose: 'video',
      documentId: '0b6c1a52-6f0e-4c43-9d53-3c1f3f0f6a11',
    })
    expect(uploadIdFromPath('/files', `/files/${id}`)).toBe(id)
  })

  it('rejects ids with extra segments, dot segments or a non-uuid document id', () => {
    expect(parseUploadId(`x/${id}`)).toBeUndefined()
    expect(parseUploadId('../video/0b6c1a52-6f0e-4c43-9d53-3c1f3f0f6a11')).toBeUndefined()
    expect(parseUploadId('alice/video/not-a-uuid')).toBeUndefined()
    expect(uploadIdFromPath('/files', `/other/${id}`)).toBeUndefined()
  })

  it('matches the owner through the same segment objectKey() uses', () => {
    const parts = parseUploadId(id)!
    expect(belongsTo(parts, 'alice')).toBe(true)
    expect(belongsTo(parts, 'bob')).toBe(false)
  })

  it('refuses raw paths with dot segments, encoded slashes or NUL', () => {
    expect(isSafeRawPath(`/files/${id}`)).toBe(true)
    expect(isSafeRawPath('/files/john..doe/video/x')).toBe(true)
    for (const bad of [
      '/files/../x',
      '/files/a%2Fb',
      '/files/a%2fb',
      '/files/a\0',
      '/files/%00',
      '/files/%2e%2e/x',
    ]) {
      expect(isSafeRawPath(bad), bad).toBe(false)
    }
  })
})
