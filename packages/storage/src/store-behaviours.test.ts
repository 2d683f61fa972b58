import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  isChecksumRefusal,
  isNoSuchUpload,
  isPerBucketCorsUnsupported,
  STORE_BEHAVIOURS,
} from './store-behaviours.ts'

/** An error as the AWS SDK throws it for an S3 error answer. */
const s3Error = (name: string, status: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode: status } })

describe('store behaviours', () => {
  it("recognise each store's answer (versitygw and MinIO as measured)", () => {
    expect(isChecksumRefusal(s3Error('BadDigest', 400))).toBe(true) // versitygw, AWS S3
    expect(isChecksumRefusal(s3Error('XAmzContentChecksumMismatch', 400))).toBe(true) // MinIO
    expect(isChecksumRefusal(s3Error('NoSuchKey', 404))).toBe(false)
    expect(isNoSuchUpload(s3Error('NoSuchUpload', 404))).toBe(true)
    expect(isNoSuchUpload(s3Error('NoSuchKey', 404))).toBe(false)
    expect(isPerBucketCorsUnsupported(s3Error('NotImplemented', 501))).toBe(true) // MinIO
    expect(isPerBucketCorsUnsupported(s3Error('AccessDenied', 403))).toBe(false)
  })

  it('each has one row in the compatibility matrix of docs/s3-compatibility.md, and each row one entry', () => {
    const doc = readFileSync(new URL('../../../docs/s3-compatibility.md', import.meta.url), 'utf8')
    const rows = [...doc.matchAll(/^\| `(\w+)` +\|/gm)].map((m) => m[1])
    expect(rows.sort()).toEqual(Object.keys(STORE_BEHAVIOURS).sort())
  })
})
