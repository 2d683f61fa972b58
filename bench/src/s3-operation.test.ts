import { describe, expect, it } from 'vitest'
import { s3Operation } from './s3-operation.ts'

describe('s3Operation', () => {
  it('names the multipart operations from their query', () => {
    expect(s3Operation('POST', '/b/k?uploads')).toBe('CreateMultipartUpload')
    expect(s3Operation('PUT', '/b/k?partNumber=2&uploadId=u')).toBe('UploadPart')
    expect(s3Operation('PUT', '/b/k?partNumber=2&uploadId=u', true)).toBe('UploadPartCopy')
    expect(s3Operation('GET', '/b/k?uploadId=u&max-parts=1000')).toBe('ListParts')
    expect(s3Operation('POST', '/b/k?uploadId=u')).toBe('CompleteMultipartUpload')
    expect(s3Operation('DELETE', '/b/k?uploadId=u')).toBe('AbortMultipartUpload')
  })

  it('tells object requests from bucket requests', () => {
    expect(s3Operation('PUT', '/b/a/b/c.info')).toBe('PutObject')
    expect(s3Operation('PUT', '/b/a/b/c', true)).toBe('CopyObject')
    expect(s3Operation('GET', '/b/a/b/c?x-id=GetObject')).toBe('GetObject')
    expect(s3Operation('HEAD', '/b/k')).toBe('HeadObject')
    expect(s3Operation('DELETE', '/b/k')).toBe('DeleteObject')
    expect(s3Operation('POST', '/b?delete')).toBe('DeleteObjects')
    expect(s3Operation('GET', '/b?list-type=2')).toBe('ListObjects')
    expect(s3Operation('GET', '/b/?uploads')).toBe('ListMultipartUploads')
    expect(s3Operation('HEAD', '/b')).toBe('HeadBucket')
    expect(s3Operation('POST', '/b')).toBe('PostObject')
  })
})
