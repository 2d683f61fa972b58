import { NoSuchKey, NoSuchUpload } from '@aws-sdk/client-s3'
import { describe, expect, it } from 'vitest'
import { s3Error } from '../testing/memory-s3.ts'
import { isMissingUpload, isNotFound } from './s3-answers.ts'

const $metadata = { httpStatusCode: 404 }

describe('what S3 answers mean for the store', () => {
  it('a completed or aborted multipart upload is missing (NoSuchUpload, or NoSuchKey on some stores)', () => {
    expect(isMissingUpload(new NoSuchUpload({ $metadata, message: 'gone' }))).toBe(true)
    expect(isMissingUpload(new NoSuchKey({ $metadata, message: 'gone' }))).toBe(true)
    expect(isMissingUpload({ Code: 'NoSuchUpload' })).toBe(true)
    expect(isMissingUpload(s3Error('InternalError', 500, 'boom'))).toBe(false)
  })

  it('HeadObject and GetObject found nothing: NotFound or NoSuchKey', () => {
    expect(isNotFound(s3Error('NotFound', 404, 'not found'))).toBe(true)
    expect(isNotFound(new NoSuchKey({ $metadata, message: 'gone' }))).toBe(true)
    expect(isNotFound(s3Error('AccessDenied', 403, 'no'))).toBe(false)
  })
})
