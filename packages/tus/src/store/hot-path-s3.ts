import type { S3 } from '@aws-sdk/client-s3'
import type { CallMiddleware, LeanS3 } from '@uplink/storage'
import type { StoreS3 } from './store-s3.ts'

/** What metrics and tests add `initialize` middlewares to, as on the SDK client. */
export interface InstrumentableS3 {
  middlewareStack: Pick<S3['middlewareStack'], 'add'>
}

/**
 * The store's S3: its hot calls (every part, creation, completion, `.info`/`.part` writes and
 * heads, ListParts, aborts and deletes) through the lean client, the rest (GetObject,
 * ListMultipartUploads, DeleteObjects) through the SDK. A middleware added here sees both.
 */
export function hotPathS3(sdk: S3, lean: LeanS3): StoreS3 & InstrumentableS3 {
  type Add = (middleware: unknown, options?: object) => void
  const add: Add = (middleware, options) => {
    ;(sdk.middlewareStack.add as Add)(middleware, options)
    lean.middlewareStack.add(middleware as CallMiddleware)
  }
  return {
    createMultipartUpload: (input) => lean.createMultipartUpload(input),
    uploadPart: (input) => lean.uploadPart(input),
    completeMultipartUpload: (input) => lean.completeMultipartUpload(input),
    putObject: (input) => lean.putObject(input),
    headObject: (input) => lean.headObject(input),
    deleteObject: (input) => lean.deleteObject(input),
    abortMultipartUpload: (input) => lean.abortMultipartUpload(input),
    listParts: (input) => lean.listParts(input),
    getObject: (input) => sdk.getObject(input),
    listMultipartUploads: (input) => sdk.listMultipartUploads(input),
    deleteObjects: (input) => sdk.deleteObjects(input),
    middlewareStack: { add: add as S3['middlewareStack']['add'] },
  }
}
