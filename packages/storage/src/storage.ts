import type { S3Client } from '@aws-sdk/client-s3'
import { checkBucket, configureBucketCors, ensureBucket } from './bucket.ts'
import { createS3Client, type StorageConfig } from './client.ts'
import { copyObject } from './copy.ts'
import { credentialProvider } from './credentials.ts'
import { createLeanS3 } from './lean-s3.ts'
import * as multipart from './multipart.ts'
import { createObjectGetter } from './object-get.ts'
import { createObjectSigner } from './object-signer.ts'
import { deleteObject, headObject, readFirstBytes } from './objects.ts'
import { openObject } from './open-object.ts'
import { presignGet, presignPost, presignPut, presignUploadPart } from './presign.ts'
import { putObject } from './put-object.ts'
import { type PutStreamInput, putStream } from './put-stream.ts'
import { readStream } from './read-stream.ts'

type Rest<F> = F extends (client: S3Client, bucket: string, ...rest: infer R) => infer T
  ? (...args: R) => T
  : never

function bind<F extends (client: S3Client, bucket: string, ...rest: never[]) => unknown>(
  fn: F,
  client: S3Client,
  bucket: string,
): Rest<F> {
  return ((...args: never[]) => fn(client, bucket, ...args)) as Rest<F>
}

/**
 * The object store as Uplink uses it: one client and one bucket, every operation bound to
 * them. Knows nothing about HTTP, tRPC or the database.
 */
export function createStorage(config: StorageConfig) {
  const credentials = credentialProvider(config.credentials)
  const client = createS3Client(config, credentials)
  const { bucket } = config
  const signer = createObjectSigner(config, credentials)
  const getter = createObjectGetter(signer)
  // HEAD and DELETE without the SDK's middleware pipeline (lean-s3.ts): same retries and errors.
  const s3 = createLeanS3(config, credentials)
  const checksums = config.checksums ?? true
  return {
    client,
    /**
     * The lean client that runs `head` and `delete`: add metrics middlewares to its
     * `middlewareStack` as to `client`'s.
     */
    s3,
    bucket,
    config,
    /** The credentials every call and URL is signed with (static, or the refreshed chain). */
    credentials,
    /** Whether parts and PUTs carry a store-verified SHA-256 (`StorageConfig.checksums`). */
    checksums,
    /**
     * Signed locally (no I/O). The SHA-256 is signed only when checksums are on (a store
     * without them would refuse the header).
     */
    presignPut: (input: Parameters<typeof presignPut>[1]) =>
      presignPut(signer, { ...input, sha256: checksums ? input.sha256 : undefined }),
    presignPost: (input: Parameters<typeof presignPost>[3]) =>
      presignPost(client, bucket, credentials, input),
    presignGet: (input: Parameters<typeof presignGet>[1]) => presignGet(signer, input),
    /** Writes a small server-made object (checksummed when checksums are on). */
    put: (input: { key: string; body: Uint8Array; contentType: string }) =>
      putObject(client, bucket, { ...input, checksums }),
    head: (key: string) => headObject(s3, bucket, key),
    delete: (key: string) => deleteObject(s3, bucket, key),
    copy: bind(copyObject, client, bucket),
    readFirstBytes: (key: string, length: number) => readFirstBytes(getter, key, length),
    /** Plain signed GETs (object-get.ts): the bytes of streamed downloads and content checks. */
    readStream: (key: string, options?: Parameters<typeof readStream>[2]) =>
      readStream(getter, key, options),
    openObject: (key: string, options?: Parameters<typeof openObject>[2]) =>
      openObject(getter, key, options),
    /** Stores a stream of unknown length (bounded memory, checksummed when checksums are on). */
    putStream: (input: Omit<PutStreamInput, 'checksums'>) =>
      putStream(client, bucket, { ...input, checksums }),
    ensureBucket: () => ensureBucket(client, bucket),
    /** Throws unless S3 answers and the bucket exists. */
    ensureReachable: () => checkBucket(client, bucket),
    configureCors: bind(configureBucketCors, client, bucket),
    multipart: {
      create: (input: { key: string; contentType: string }) =>
        multipart.createMultipartUpload(client, bucket, { ...input, checksums }),
      /** Signs one part; with checksums on, its `sha256` is required. */
      presignPart: async (input: Parameters<typeof presignUploadPart>[1]) => {
        if (checksums && !input.sha256) {
          throw new TypeError(`part ${input.partNumber} needs its sha256: checksums are on`)
        }
        return presignUploadPart(signer, { ...input, sha256: checksums ? input.sha256 : undefined })
      },
      listParts: bind(multipart.listParts, client, bucket),
      complete: bind(multipart.completeMultipartUpload, client, bucket),
      abort: bind(multipart.abortMultipartUpload, client, bucket),
      listUploads: bind(multipart.listMultipartUploads, client, bucket),
    },
    destroy: () => {
      client.destroy()
      s3.destroy()
      getter.destroy()
    },
  }
}

export type Storage = ReturnType<typeof createStorage>
