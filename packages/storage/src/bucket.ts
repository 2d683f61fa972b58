import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketCorsCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import {
  BROWSER_CORS,
  isPerBucketCorsUnsupported,
  storeWideCorsAdvice,
} from './store-behaviours.ts'

/** Creates the bucket if it does not exist (dev and tests; production buckets are provisioned). */
export async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }))
  } catch {
    await client
      .send(new CreateBucketCommand({ Bucket: bucket }))
      .catch((err: { name?: string }) => {
        if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') throw err
      })
  }
}

/** What `configureBucketCors` did: set the rules, or found a store whose CORS is store-wide. */
export type CorsResult = { applied: true } | { applied: false; advice: string }

/**
 * Lets browsers on `origins` PUT/POST straight to the bucket, with the signed headers
 * (Content-Type, `x-amz-checksum-sha256`), and read what Uppy reads back: each part's ETag
 * (multipart completion needs it) and a POST's Location. A store without per-bucket CORS
 * (MinIO) is not an error: the result says what to configure on the store instead.
 */
export async function configureBucketCors(
  client: S3Client,
  bucket: string,
  origins: string[],
): Promise<CorsResult> {
  try {
    await client.send(
      new PutBucketCorsCommand({
        Bucket: bucket,
        CORSConfiguration: {
          CORSRules: [
            {
              AllowedOrigins: origins,
              AllowedMethods: [...BROWSER_CORS.AllowedMethods],
              AllowedHeaders: [...BROWSER_CORS.AllowedHeaders],
              ExposeHeaders: [...BROWSER_CORS.ExposeHeaders],
              MaxAgeSeconds: BROWSER_CORS.MaxAgeSeconds,
            },
          ],
        },
      }),
    )
    return { applied: true }
  } catch (err) {
    if (isPerBucketCorsUnsupported(err)) {
      return { applied: false, advice: storeWideCorsAdvice(origins) }
    }
    throw err
  }
}

/**
 * HeadBucket: resolves when S3 answers and the bucket is there (readiness checks). A missing
 * bucket throws an error that says so: HeadBucket's 404 has no body, so the SDK names it only
 * `NotFound` or `UnknownError`.
 */
export async function checkBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }))
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode
    // HeadBucket: "If the bucket does not exist … the HEAD request returns … 404 Not Found".
    if (status === 404) throw new Error(`bucket "${bucket}" does not exist`, { cause: err })
    throw err
  }
}
