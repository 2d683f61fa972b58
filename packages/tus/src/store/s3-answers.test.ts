import { NoSuchKey, NoSuchUpload } from '@aws-sdk/client-s3'
import { describe, expect, it } from 'vitest'
import { s3Error } from '../testing/memory-s3.ts'
import {
  checkAcknowledged,
  checkAcknowledgedEtag,
  isMissingUpload,
  isNotFound,
  PartChecksumError,
} from './s3-answers.ts'

const $metadata = { httpStatusCode: 404 }

describe('what S3 answers mean for the store', () => {
  it('an acknowledgement with another SHA-256 than the one sent is an error; none at all is not', () => {
    expect(() => checkAcknowledged('b', 'a', 'part 1')).toThrow(PartChecksumError)
    expect(() => checkAcknowledged('a', 'a', 'part 1')).not.toThrow()
    expect(() => checkAcknowledged(undefined, 'a', 'part 1')).not.toThrow()
  })

  it('with checksums off, the ETag must be the MD5 sent (quotes and a weak prefix aside)', () => {
    const md5 = 'd41d8cd98f00b204e9800998ecf8427e'
    expect(() => checkAcknowledgedEtag(`"${md5}"`, md5, 'part 1')).not.toThrow()
    expect(() => checkAcknowledgedEtag(`W/"${md5}"`, md5, 'part 1')).not.toThrow()
    expect(() => checkAcknowledgedEtag('"abc-2"', md5, 'part 1')).toThrow(/S3_CHECKSUMS=false/)
    expect(() => checkAcknowledgedEtag(undefined, md5, 'part 1')).toThrow(/\(none\)/)
  })

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
