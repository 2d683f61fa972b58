import { createHash, randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { Readable } from 'node:stream'
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
  Part,
  PutObjectCommandInput,
  PutObjectCommandOutput,
  UploadPartCommandInput,
  UploadPartCommandOutput,
} from '@aws-sdk/client-s3'
import type { StoreS3 } from '../store-s3.ts'
import { Gate } from './gate.ts'

export type S3Operation = keyof StoreS3

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
  /** Base64 SHA-256, when the object was stored with a checksum. */
  sha256: string | undefined
  metadata: Record<string, string>
  contentType: string | undefined
  tagging: string | undefined
}

interface StoredPart {
  body: Buffer
  etag: string
  sha256: string | undefined
}

interface MultipartUpload {
  key: string
  uploadId: string
  sha256: boolean
  contentType: string | undefined
  metadata: Record<string, string>
  parts: Map<number, StoredPart>
  initiated: Date
}

/** What ListParts reports for a part instead of the truth. */
export type PartReport = Partial<Pick<Part, 'Size' | 'ChecksumSHA256' | 'ETag'>>

interface Fault {
  op: S3Operation
  /** Applies to calls whose input passes (default: every call of `op`). */
  when: (input: Record<string, unknown>) => boolean
  times: number
  /** Throws this instead of running the call. */
  error?: Error
  /** Keeps only this many bytes of the body, padded with zeros to its Content-Length. */
  pad?: { keep: number; acknowledge: 'stored' | 'sent' }
  /** Waits for the gate before running the call. */
  gate?: Gate
}

const md5Hex = (data: Buffer) => createHash('md5').update(data).digest('hex')
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('base64')
const meta = { httpStatusCode: 200 }

/**
 * An S3 error shaped as the SDK throws it: `name` is the S3 error code (a plain Error, so the
 * tests that use MemoryS3 need not load the SDK).
 */
export function s3Error(name: string, status: number, message: string): Error {
  const fault = status < 500 ? 'client' : 'server'
  return Object.assign(new Error(message), {
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status },
  })
}

/**
 * An in-memory S3 bucket behind the store's narrow S3 interface, behaving like S3 where the
 * store's rules depend on it: ETags are the MD5 of the bytes (multipart: MD5 of the parts' MD5s
 * with `-N`), checksums the SHA-256 of the bytes stored, Content-MD5 and x-amz-checksum-sha256
 * verified, ListParts paginated, NoSuchUpload once an upload is completed or aborted.
 * It can be told to misbehave: fail a call, pad a short body, misreport a part in ListParts,
 * or hold a call until the test lets it go.
 */
export class MemoryS3 implements StoreS3 {
  readonly bucket: string
  readonly minPartSize: number
  readonly maxPartsPerPage: number
  readonly objects = new Map<string, StoredObject>()
  readonly uploads = new Map<string, MultipartUpload>()
  /** Every call, in order. */
  readonly calls: { op: S3Operation; input: Record<string, unknown> }[] = []
  private readonly events = new EventEmitter()
  private faults: Fault[] = []
  private readonly reports = new Map<string, PartReport>()

  constructor(options: MemoryS3Options = {}) {
    this.bucket = options.bucket ?? 'uplink'
    this.minPartSize = options.minPartSize ?? 5 * 1024 * 1024
    this.maxPartsPerPage = options.maxPartsPerPage ?? 1000
  }

  // --- misbehaviour -------------------------------------------------------------------------

  /** The next `times` calls of `op` (passing `when`) throw `error` (default: a 500) and do nothing. */
  fail(
    op: S3Operation,
    options: { error?: Error; times?: number; when?: Fault['when'] } = {},
  ): void {
    const error = options.error ?? s3Error('InternalError', 500, `${op} failed (injected)`)
    this.faults.push({ op, when: options.when ?? (() => true), times: options.times ?? 1, error })
  }

  /**
   * The next body of `op` (passing `when`) arrives cut after `keep` bytes and is padded with
   * zeros to its Content-Length, stored without checking its checksum or MD5, and acknowledged
   * with the digests of the bytes stored (or, `acknowledge: 'sent'`, with the ones sent).
   */
  pad(
    op: 'uploadPart' | 'putObject',
    keep: number,
    options: { acknowledge?: 'stored' | 'sent'; when?: Fault['when'] } = {},
  ): void {
    const pad = { keep, acknowledge: options.acknowledge ?? 'stored' }
    this.faults.push({ op, when: options.when ?? (() => true), times: 1, pad })
  }

  /** ListParts reports part `partNumber` of `key` with these values instead of the stored ones. */
  report(key: string, partNumber: number, report: PartReport): void {
    this.reports.set(`${key}#${partNumber}`, report)
  }

  /** Calls of `op` (passing `when`) wait until the returned gate is opened. */
  hold(op: S3Operation, when: Fault['when'] = () => true): Gate {
    const gate = new Gate()
    this.faults.push({ op, when, times: Number.POSITIVE_INFINITY, gate })
    return gate
  }

  /** Resolves once `op` has been called `count` times in all. */
  called(op: S3Operation, count = 1): Promise<void> {
    const reached = () => this.calls.filter((c) => c.op === op).length >= count
    if (reached()) return Promise.resolve()
    return new Promise((resolve) => {
      const check = () => {
        if (!reached()) return
        this.events.off('call', check)
        resolve()
      }
      this.events.on('call', check)
    })
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
      sha256: input.ChecksumAlgorithm === 'SHA256',
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
    if (upload.sha256 && !input.ChecksumSHA256) {
      throw s3Error('InvalidRequest', 400, 'Checksum Type mismatch: expected sha256, got none')
    }
    const body = await this.receive(input, fault)
    const part = { body, etag: `"${md5Hex(body)}"`, sha256: sha256(body) }
    upload.parts.set(n, {
      ...part,
      sha256: upload.sha256 || input.ChecksumSHA256 ? part.sha256 : undefined,
    })
    const ack = fault?.pad?.acknowledge === 'sent' ? sent(input, part) : part
    return {
      $metadata: meta,
      ETag: ack.etag,
      ...(input.ChecksumSHA256 ? { ChecksumSHA256: ack.sha256 } : {}),
    }
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
        ...(p.sha256 ? { ChecksumSHA256: p.sha256 } : {}),
        ...this.reports.get(`${upload.key}#${n}`),
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
      if (upload.sha256 && c.ChecksumSHA256 !== part.sha256) {
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
    const body = await this.receive(input, fault)
    const stored = { etag: `"${md5Hex(body)}"`, sha256: sha256(body) }
    this.objects.set(key, {
      body,
      etag: stored.etag,
      sha256: input.ChecksumSHA256 ? stored.sha256 : undefined,
      metadata: lower(input.Metadata),
      contentType: input.ContentType,
      tagging: input.Tagging,
    })
    const ack = fault?.pad?.acknowledge === 'sent' ? sent(input, stored) : stored
    return {
      $metadata: meta,
      ETag: ack.etag,
      ...(input.ChecksumSHA256 ? { ChecksumSHA256: ack.sha256 } : {}),
    }
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
      ...(input.ChecksumMode === 'ENABLED' && object.sha256
        ? { ChecksumSHA256: object.sha256 }
        : {}),
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
      ...(input.ChecksumMode === 'ENABLED' && object.sha256
        ? { ChecksumSHA256: object.sha256 }
        : {}),
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

  /** Records the call, waits at a closed gate, applies the first fault that matches it. */
  private async enter(op: S3Operation, input: object): Promise<Fault | undefined> {
    const record = input as Record<string, unknown>
    this.calls.push({ op, input: record })
    this.events.emit('call')
    const matches = (f: Fault) => f.op === op && f.times > 0 && f.when(record)
    const held = this.faults.find((f) => f.gate && !f.gate.isOpen && matches(f))
    if (held?.gate) {
      held.gate.arrive()
      await held.gate.opened
    }
    const fault = this.faults.find((f) => !f.gate && matches(f))
    this.faults = this.faults.filter((f) => !f.gate?.isOpen)
    if (!fault) return undefined
    fault.times--
    this.faults = this.faults.filter((f) => f.times > 0)
    if (fault.error) throw fault.error
    return fault
  }

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

  /**
   * The body as S3 keeps it: exactly Content-Length bytes (an incomplete body is refused, or
   * padded under a `pad` fault), checked against Content-MD5 and x-amz-checksum-sha256.
   */
  private async receive(
    input: {
      Body?: unknown
      ContentLength?: number | undefined
      ContentMD5?: string | undefined
      ChecksumSHA256?: string | undefined
    },
    fault: Fault | undefined,
  ): Promise<Buffer> {
    let body = await readBody(input.Body)
    const length = input.ContentLength ?? body.length
    if (fault?.pad) {
      const kept = body.subarray(0, fault.pad.keep)
      return Buffer.concat([kept, Buffer.alloc(Math.max(0, length - kept.length))])
    }
    if (body.length !== length) {
      throw s3Error(
        'IncompleteBody',
        400,
        `You did not provide the number of bytes specified by the Content-Length (${body.length} of ${length})`,
      )
    }
    body = body.subarray(0, length)
    if (input.ContentMD5 && createHash('md5').update(body).digest('base64') !== input.ContentMD5) {
      throw s3Error(
        'BadDigest',
        400,
        'The Content-MD5 you specified did not match what we received',
      )
    }
    if (input.ChecksumSHA256 && sha256(body) !== input.ChecksumSHA256) {
      throw s3Error(
        'BadDigest',
        400,
        'The SHA256 you specified did not match the calculated checksum',
      )
    }
    return body
  }
}

/** The digests the request declared (what a store that echoes them answers). */
function sent(
  input: { ContentMD5?: string | undefined; ChecksumSHA256?: string | undefined },
  stored: { etag: string; sha256: string },
) {
  const md5 = input.ContentMD5 ? Buffer.from(input.ContentMD5, 'base64').toString('hex') : undefined
  return { etag: md5 ? `"${md5}"` : stored.etag, sha256: input.ChecksumSHA256 ?? stored.sha256 }
}

const bare = (etag: string | undefined) => (etag ?? '').replace(/^W\//, '').replace(/"/g, '')

/** S3 keeps user metadata keys in lower case. */
const lower = (metadata: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v]))

async function readBody(body: unknown): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0)
  if (typeof body === 'string') return Buffer.from(body)
  if (body instanceof Uint8Array) return Buffer.from(body)
  if (body instanceof Readable) {
    const chunks: Buffer[] = []
    for await (const chunk of body) chunks.push(Buffer.from(chunk as Uint8Array))
    return Buffer.concat(chunks)
  }
  throw new TypeError(`MemoryS3 cannot read a body of type ${typeof body}`)
}

/** A GetObject body: a Node stream with the SDK's `transformTo*` helpers. */
function sdkStream(data: Buffer): GetObjectCommandOutput['Body'] {
  const stream = Readable.from([data])
  return Object.assign(stream, {
    transformToString: async (encoding?: BufferEncoding) => data.toString(encoding ?? 'utf8'),
    transformToByteArray: async () => new Uint8Array(data),
    transformToWebStream: () => Readable.toWeb(Readable.from([data])) as ReadableStream,
  }) as unknown as GetObjectCommandOutput['Body']
}
