import { randomUUID } from 'node:crypto'
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
import type { StoreS3 } from '../store/store-s3.ts'
import { S3Faults } from './s3-faults.ts'
import {
  bare,
  crc32,
  lower,
  md5Hex,
  receiveBody,
  s3Error,
  sdkStream,
  sent,
  sha256,
} from './s3-wire.ts'

export { s3Error } from './s3-wire.ts'

export interface MemoryS3Options {
  bucket?: string
  /** S3: "each part must be at least 5 MB in size, except the last part" (checked on completion). */
  minPartSize?: number
  /** Parts per ListParts page (S3: at most 1000). */
  maxPartsPerPage?: number
}

interface StoredObject {
  body: Buffer
  etag: string
  /** Base64 CRC32 / SHA-256, when the object was stored with that checksum. */
  crc32: string | undefined
  sha256: string | undefined
  metadata: Record<string, string>
  contentType: string | undefined
  tagging: string | undefined
}

interface StoredPart {
  body: Buffer
  etag: string
  crc32: string | undefined
  sha256: string | undefined
}

interface MultipartUpload {
  key: string
  uploadId: string
  /** The checksum algorithm the upload was created with, if any. */
  algorithm: 'CRC32' | 'SHA256' | undefined
  contentType: string | undefined
  metadata: Record<string, string>
  parts: Map<number, StoredPart>
  initiated: Date
}

const meta = { httpStatusCode: 200 }

/** The checksums an object was stored with, as HeadObject/GetObject answer them. */
const checksumsOf = (o: { crc32: string | undefined; sha256: string | undefined }) => ({
  ...(o.crc32 ? { ChecksumCRC32: o.crc32 } : {}),
  ...(o.sha256 ? { ChecksumSHA256: o.sha256 } : {}),
})

/** The checksums S3 answers a PUT with: those the request sent, of the bytes it stored. */
const acknowledged = (
  input: { ChecksumCRC32?: string | undefined; ChecksumSHA256?: string | undefined },
  ack: { crc32: string; sha256: string },
) => ({
  ...(input.ChecksumCRC32 ? { ChecksumCRC32: ack.crc32 } : {}),
  ...(input.ChecksumSHA256 ? { ChecksumSHA256: ack.sha256 } : {}),
})

/**
 * An in-memory S3 bucket behind the store's narrow S3 interface, behaving like S3 where the
 * store's rules depend on it: ETags are the MD5 of the bytes (multipart: MD5 of the parts' MD5s
 * with `-N`), checksums the CRC32 or SHA-256 of the bytes stored, Content-MD5 and
 * x-amz-checksum-crc32/-sha256 verified, ListParts paginated, NoSuchUpload once an upload is completed or aborted.
 * It can be told to misbehave: fail a call, pad a short body, misreport a part in ListParts,
 * or hold a call until the test lets it go.
 */
export class MemoryS3 extends S3Faults implements StoreS3 {
  readonly bucket: string
  readonly minPartSize: number
  readonly maxPartsPerPage: number
  readonly objects = new Map<string, StoredObject>()
  readonly uploads = new Map<string, MultipartUpload>()

  constructor(options: MemoryS3Options = {}) {
    super()
    this.bucket = options.bucket ?? 'uplink'
    this.minPartSize = options.minPartSize ?? 5 * 1024 * 1024
    this.maxPartsPerPage = options.maxPartsPerPage ?? 1000
  }

  // --- what the bucket holds ----------------------------------------------------------------

  /** The bytes of an object, or undefined. */
  object(key: string): Buffer | undefined {
    return this.objects.get(key)?.body
  }

  /** The user metadata of an object, or undefined. */
  metadataOf(key: string): Record<string, string> | undefined {
    return this.objects.get(key)?.metadata
  }

  /** The open multipart upload of `key`, or undefined. */
  uploadOf(key: string): MultipartUpload | undefined {
    return [...this.uploads.values()].find((u) => u.key === key)
  }

  /** The part numbers and sizes the open multipart upload of `key` holds. */
  partsOf(key: string): { partNumber: number; size: number }[] {
    const parts = [...(this.uploadOf(key)?.parts ?? new Map<number, StoredPart>()).entries()]
    return parts
      .sort(([a], [b]) => a - b)
      .map(([partNumber, p]) => ({ partNumber, size: p.body.length }))
  }

  // --- the S3 calls -------------------------------------------------------------------------

  async createMultipartUpload(
    input: CreateMultipartUploadCommandInput,
  ): Promise<CreateMultipartUploadCommandOutput> {
    await this.enter('createMultipartUpload', input)
    const key = this.key(input)
    const uploadId = randomUUID()
    this.uploads.set(uploadId, {
      key,
      uploadId,
      algorithm:
        input.ChecksumAlgorithm === 'CRC32' || input.ChecksumAlgorithm === 'SHA256'
          ? input.ChecksumAlgorithm
          : undefined,
      contentType: input.ContentType,
      metadata: lower(input.Metadata),
      parts: new Map(),
      initiated: new Date(),
    })
    return {
      $metadata: meta,
      Bucket: this.bucket,
      Key: key,
      UploadId: uploadId,
      ...(input.ChecksumAlgorithm ? { ChecksumAlgorithm: input.ChecksumAlgorithm } : {}),
    }
  }

  async uploadPart(input: UploadPartCommandInput): Promise<UploadPartCommandOutput> {
    const fault = await this.enter('uploadPart', input)
    const upload = this.upload(input.Key, input.UploadId)
    const n = input.PartNumber ?? 0
    if (!Number.isInteger(n) || n < 1 || n > 10_000) {
      throw s3Error('InvalidArgument', 400, 'Part number must be an integer between 1 and 10000')
    }
    // S3: once an upload declares an algorithm, "each part uploaded … must include the checksum".
    const declared = input.ChecksumCRC32 ? 'CRC32' : input.ChecksumSHA256 ? 'SHA256' : undefined
    if (upload.algorithm && declared !== upload.algorithm) {
      throw s3Error(
        'InvalidRequest',
        400,
        `Checksum Type mismatch: expected ${upload.algorithm}, got ${declared ?? 'none'}`,
      )
    }
    const body = await receiveBody(input, fault?.pad)
    const part = { body, etag: `"${md5Hex(body)}"`, crc32: crc32(body), sha256: sha256(body) }
    upload.parts.set(n, {
      ...part,
      crc32: declared === 'CRC32' ? part.crc32 : undefined,
      sha256: declared === 'SHA256' ? part.sha256 : undefined,
    })
    const ack = fault?.pad?.acknowledge === 'sent' ? sent(input, part) : part
    return { $metadata: meta, ETag: ack.etag, ...acknowledged(input, ack) }
  }

  async listParts(input: ListPartsCommandInput): Promise<ListPartsCommandOutput> {
    await this.enter('listParts', input)
    const upload = this.upload(input.Key, input.UploadId)
    const marker = Number(input.PartNumberMarker ?? 0)
    const max = Math.min(input.MaxParts ?? 1000, this.maxPartsPerPage)
    const after = [...upload.parts.entries()].filter(([n]) => n > marker).sort(([a], [b]) => a - b)
    const page = after.slice(0, max)
    const truncated = after.length > page.length
    return {
      $metadata: meta,
      Bucket: this.bucket,
      Key: upload.key,
      UploadId: upload.uploadId,
      IsTruncated: truncated,
      ...(truncated ? { NextPartNumberMarker: String(page.at(-1)?.[0]) } : {}),
      Parts: page.map(([n, p]) => ({
        PartNumber: n,
        Size: p.body.length,
        ETag: p.etag,
        ...(p.crc32 ? { ChecksumCRC32: p.crc32 } : {}),
        ...(p.sha256 ? { ChecksumSHA256: p.sha256 } : {}),
        ...this.reported(upload.key, n),
      })),
    }
  }

  async completeMultipartUpload(
    input: CompleteMultipartUploadCommandInput,
  ): Promise<CompleteMultipartUploadCommandOutput> {
    await this.enter('completeMultipartUpload', input)
    const upload = this.upload(input.Key, input.UploadId)
    const chosen = input.MultipartUpload?.Parts ?? []
    if (chosen.length === 0) throw s3Error('MalformedXML', 400, 'no parts to complete with')
    if (chosen.some((c, i) => i > 0 && (c.PartNumber ?? 0) <= (chosen[i - 1]?.PartNumber ?? 0))) {
      throw s3Error('InvalidPartOrder', 400, 'The list of parts was not in ascending order')
    }
    const parts: StoredPart[] = []
    for (const [i, c] of chosen.entries()) {
      const n = c.PartNumber ?? 0
      const part = upload.parts.get(n)
      if (!part || bare(part.etag) !== bare(c.ETag)) {
        throw s3Error('InvalidPart', 400, `part ${n} was not found or its ETag does not match`)
      }
      const listed = upload.algorithm === 'CRC32' ? c.ChecksumCRC32 : c.ChecksumSHA256
      if (
        upload.algorithm &&
        listed !== (upload.algorithm === 'CRC32' ? part.crc32 : part.sha256)
      ) {
        throw s3Error('InvalidPart', 400, `part ${n}: the checksum does not match the part's`)
      }
      if (i < chosen.length - 1 && part.body.length < this.minPartSize) {
        throw s3Error('EntityTooSmall', 400, `part ${n} is smaller than the minimum allowed size`)
      }
      parts.push(part)
    }
    const body = Buffer.concat(parts.map((p) => p.body))
    const etagOfEtags = md5Hex(Buffer.concat(parts.map((p) => Buffer.from(bare(p.etag), 'hex'))))
    const etag = `"${etagOfEtags}-${parts.length}"`
    this.objects.set(upload.key, {
      body,
      etag,
      crc32: undefined,
      sha256: undefined,
      metadata: upload.metadata,
      contentType: upload.contentType,
      tagging: undefined,
    })
    this.uploads.delete(upload.uploadId)
    return {
      $metadata: meta,
      Bucket: this.bucket,
      Key: upload.key,
      ETag: etag,
      Location: `memory://${this.bucket}/${upload.key}`,
    }
  }

  async abortMultipartUpload(
    input: AbortMultipartUploadCommandInput,
  ): Promise<AbortMultipartUploadCommandOutput> {
    await this.enter('abortMultipartUpload', input)
    const upload = this.upload(input.Key, input.UploadId)
    this.uploads.delete(upload.uploadId)
    return { $metadata: { httpStatusCode: 204 } }
  }

  async listMultipartUploads(
    input: ListMultipartUploadsCommandInput,
  ): Promise<ListMultipartUploadsCommandOutput> {
    await this.enter('listMultipartUploads', input)
    this.checkBucket(input.Bucket)
    return {
      $metadata: meta,
      Bucket: this.bucket,
      IsTruncated: false,
      Uploads: [...this.uploads.values()].map((u) => ({
        Key: u.key,
        UploadId: u.uploadId,
        Initiated: u.initiated,
      })),
    }
  }

  async putObject(input: PutObjectCommandInput): Promise<PutObjectCommandOutput> {
    const fault = await this.enter('putObject', input)
    const key = this.key(input)
    const body = await receiveBody(input, fault?.pad)
    const stored = { etag: `"${md5Hex(body)}"`, crc32: crc32(body), sha256: sha256(body) }
    this.objects.set(key, {
      body,
      etag: stored.etag,
      crc32: input.ChecksumCRC32 ? stored.crc32 : undefined,
      sha256: input.ChecksumSHA256 ? stored.sha256 : undefined,
      metadata: lower(input.Metadata),
      contentType: input.ContentType,
      tagging: input.Tagging,
    })
    const ack = fault?.pad?.acknowledge === 'sent' ? sent(input, stored) : stored
    return { $metadata: meta, ETag: ack.etag, ...acknowledged(input, ack) }
  }

  async getObject(input: GetObjectCommandInput): Promise<GetObjectCommandOutput> {
    await this.enter('getObject', input)
    const object = this.objects.get(this.key(input))
    if (!object) {
      throw s3Error('NoSuchKey', 404, 'The specified key does not exist.')
    }
    return {
      $metadata: meta,
      Body: sdkStream(object.body),
      ContentLength: object.body.length,
      ETag: object.etag,
      Metadata: { ...object.metadata },
      ContentType: object.contentType,
      ...(input.ChecksumMode === 'ENABLED' ? checksumsOf(object) : {}),
    }
  }

  async headObject(input: HeadObjectCommandInput): Promise<HeadObjectCommandOutput> {
    await this.enter('headObject', input)
    const object = this.objects.get(this.key(input))
    // A HEAD answer has no body, so the SDK names a 404 `NotFound`.
    if (!object) throw s3Error('NotFound', 404, 'not found')
    return {
      $metadata: meta,
      ContentLength: object.body.length,
      ETag: object.etag,
      Metadata: { ...object.metadata },
      ContentType: object.contentType,
      ...(input.ChecksumMode === 'ENABLED' ? checksumsOf(object) : {}),
    }
  }

  async deleteObject(input: DeleteObjectCommandInput): Promise<DeleteObjectCommandOutput> {
    await this.enter('deleteObject', input)
    // S3: deleting a key that does not exist succeeds.
    this.objects.delete(this.key(input))
    return { $metadata: { httpStatusCode: 204 } }
  }

  async deleteObjects(input: DeleteObjectsCommandInput): Promise<DeleteObjectsCommandOutput> {
    await this.enter('deleteObjects', input)
    this.checkBucket(input.Bucket)
    const keys = (input.Delete?.Objects ?? []).map((o) => o.Key ?? '')
    for (const key of keys) this.objects.delete(key)
    return { $metadata: meta, Deleted: keys.map((Key) => ({ Key })) }
  }

  // --- plumbing -----------------------------------------------------------------------------

  private checkBucket(bucket: string | undefined): void {
    if (bucket !== this.bucket) throw s3Error('NoSuchBucket', 404, `no bucket ${bucket}`)
  }

  private key(input: { Bucket?: string | undefined; Key?: string | undefined }): string {
    this.checkBucket(input.Bucket)
    if (!input.Key) throw s3Error('InvalidArgument', 400, 'a key is required')
    return input.Key
  }

  private upload(key: string | undefined, uploadId: string | undefined): MultipartUpload {
    const upload = uploadId ? this.uploads.get(uploadId) : undefined
    if (!upload || upload.key !== key) {
      throw s3Error('NoSuchUpload', 404, 'The specified upload does not exist.')
    }
    return upload
  }
}
