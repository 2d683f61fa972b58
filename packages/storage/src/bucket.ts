import {
  CreateBucketCommand,
  HeadBucketCommand,
  PutBucketCorsCommand,
  type S3Client,
} from '@aws-sdk/client-s3'

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

/**
 * Lets browsers on `origins` PUT/POST straight to the bucket, with the signed headers
 * (Content-Type, `x-amz-checksum-sha256`), and read what Uppy reads back: each part's ETag
 * (multipart completion needs it) and a POST's Location.
 */
export async function configureBucketCors(
  client: S3Client,
  bucket: string,
  origins: string[],
): Promise<void> {
  await client.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedOrigins: origins,
            AllowedMethods: ['GET', 'HEAD', 'PUT', 'POST'],
            AllowedHeaders: ['*'],
            ExposeHeaders: ['ETag', 'Location', 'x-amz-checksum-sha256'],
            MaxAgeSeconds: 3600,
          },
        ],
      },
    }),
  )
}

/** HeadBucket: resolves when S3 answers and the bucket is there (readiness checks). */
export async function checkBucket(client: S3Client, bucket: string): Promise<void> {
  await client.send(new HeadBucketCommand({ Bucket: bucket }))
}
