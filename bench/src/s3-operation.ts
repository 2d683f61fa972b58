/**
 * The S3 operation a request names (path-style addressing: `/<bucket>` or `/<bucket>/<key>`),
 * read from its method, path, query and copy-source header, as the S3 API reference defines
 * each operation's request line. Anything else is `METHOD other`.
 */
export function s3Operation(method: string, target: string, copySource = false): string {
  const url = new URL(target, 'http://s3.invalid')
  const q = url.searchParams
  const onBucket = url.pathname.replace(/^\/+|\/+$/g, '').split('/').length < 2
  switch (method.toUpperCase()) {
    case 'PUT':
      if (q.has('partNumber') && q.has('uploadId'))
        return copySource ? 'UploadPartCopy' : 'UploadPart'
      if (q.has('tagging')) return 'PutObjectTagging'
      if (onBucket) return 'CreateBucket'
      return copySource ? 'CopyObject' : 'PutObject'
    case 'POST':
      if (q.has('uploads')) return 'CreateMultipartUpload'
      if (q.has('uploadId')) return 'CompleteMultipartUpload'
      if (q.has('delete')) return 'DeleteObjects'
      // A presigned POST: the form goes to the bucket.
      if (onBucket) return 'PostObject'
      break
    case 'GET':
      if (onBucket) {
        if (q.has('uploads')) return 'ListMultipartUploads'
        return 'ListObjects'
      }
      if (q.has('uploadId')) return 'ListParts'
      if (q.has('tagging')) return 'GetObjectTagging'
      return 'GetObject'
    case 'HEAD':
      return onBucket ? 'HeadBucket' : 'HeadObject'
    case 'DELETE':
      if (q.has('uploadId')) return 'AbortMultipartUpload'
      if (q.has('tagging')) return 'DeleteObjectTagging'
      return onBucket ? 'DeleteBucket' : 'DeleteObject'
  }
  return `${method.toUpperCase()} other`
}
