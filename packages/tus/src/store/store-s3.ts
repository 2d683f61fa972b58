import type {
  AbortMultipartUploadCommandInput,
  AbortMultipartUploadCommandOutput,
  CompleteMultipartUploadCommandInput,
  CompleteMultipartUploadCommandOutput,
  CreateMultipartUploadCommandInput,
  CreateMultipartUploadCommandOutput,
  DeleteObjectCommandInput,
  DeleteObjectCommandOutput,
  DeleteObjectsCommandInput,
  DeleteObjectsCommandOutput,
  GetObjectCommandInput,
  GetObjectCommandOutput,
  HeadObjectCommandInput,
  HeadObjectCommandOutput,
  ListMultipartUploadsCommandInput,
  ListMultipartUploadsCommandOutput,
  ListPartsCommandInput,
  ListPartsCommandOutput,
  PutObjectCommandInput,
  PutObjectCommandOutput,
  UploadPartCommandInput,
  UploadPartCommandOutput,
} from '@aws-sdk/client-s3'

/**
 * The S3 calls the tus store makes, its own and @tus/s3-store's: the narrow seam its logic is
 * tested through. The SDK's `S3` client satisfies it, and so does the in-memory S3 of the unit
 * tests (src/testing/memory-s3.ts).
 */
export interface StoreS3 {
  createMultipartUpload(
    input: CreateMultipartUploadCommandInput,
  ): Promise<CreateMultipartUploadCommandOutput>
  uploadPart(input: UploadPartCommandInput): Promise<UploadPartCommandOutput>
  listParts(input: ListPartsCommandInput): Promise<ListPartsCommandOutput>
  completeMultipartUpload(
    input: CompleteMultipartUploadCommandInput,
  ): Promise<CompleteMultipartUploadCommandOutput>
  abortMultipartUpload(
    input: AbortMultipartUploadCommandInput,
  ): Promise<AbortMultipartUploadCommandOutput>
  listMultipartUploads(
    input: ListMultipartUploadsCommandInput,
  ): Promise<ListMultipartUploadsCommandOutput>
  putObject(input: PutObjectCommandInput): Promise<PutObjectCommandOutput>
  getObject(input: GetObjectCommandInput): Promise<GetObjectCommandOutput>
  headObject(input: HeadObjectCommandInput): Promise<HeadObjectCommandOutput>
  deleteObject(input: DeleteObjectCommandInput): Promise<DeleteObjectCommandOutput>
  deleteObjects(input: DeleteObjectsCommandInput): Promise<DeleteObjectsCommandOutput>
}
