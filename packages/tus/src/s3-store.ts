import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type {
  CreateMultipartUploadCommandInput,
  HeadObjectCommandOutput,
  Part,
} from '@aws-sdk/client-s3'
import { type MetadataValue, type Options, S3Store } from '@tus/s3-store'
import { ERRORS, StreamSplitter, TUS_RESUMABLE, type Upload } from '@tus/utils'
import { normalizeContentType } from '@uplink/core'
import { createDigest, patchChecksum } from './checksum.ts'
import { fileSha256 } from './file-sha256.ts'
import { isPartAsWritten, type LedgerPart, type PartLedger } from './part-ledger.ts'
import { concat, feed, fileSize, hashing, verify } from './patch-streams.ts'
import {
  checkAcknowledged,
  EMPTY_SHA256,
  isMissingUpload,
  isNotFound,
  PartChecksumError,
} from './s3-answers.ts'
import { Slots } from './slots.ts'
import type { SyncInspections } from './sync-inspections.ts'
import { storeTempDir, sweepTempDirs } from './temp-dirs.ts'

export interface UplinkS3StoreOptions extends Options {
  /** Where parts are buffered on disk before they go to S3 (each process uses a subfolder). */
  tempDir: string
  /** Records acknowledged parts; a resume counts only parts found here as written. */
  ledger: PartLedger
  /**
   * Send every part with `x-amz-checksum-sha256` (multipart uploads are created with the
   * SHA256 algorithm). Off only for stores that cannot take checksums.
   */
  checksums: boolean
  /** Part size used while the upload length is still deferred (bounded by this length). */
  maxDeferredLength?: number | undefined
  /** Parts of one upload being filled or sent at once (default 4). */
  partsPerUpload?: number
  /** Accept `Upload-Defer-Length` (creation-defer-length extension). */
  allowDeferredLength: boolean
  /** Called after a tus DELETE removed the upload from S3. */
  afterRemove?: (id: string) => Promise<void>
  /** Inspects PATCH bodies of purposes with `inspection: sync` as they pass. */
  inspections?: SyncInspections | undefined
}

/** The incomplete part (`<id>.part`) is number 0 in the ledger. */
const INCOMPLETE_PART = 0

/**
 * @tus/s3-store with Uplink's needs: every part carries a SHA-256 the store verifies and is
 * recorded once acknowledged, and a resume counts only the parts S3 lists exactly as they were
 * written (so a part a store kept after a cut-short body never moves the offset). Parts are
 * buffered under a per-process temp folder swept of dead processes' leftovers, the incomplete
 * `.part` object is removed on termination, and creation-defer-length is offered only on request.
 */
export class UplinkS3Store extends S3Store {
  readonly tempBase: string
  readonly tempDir: string
  private readonly ledger: PartLedger
  private readonly checksums: boolean
  private readonly deferredLengthBound: number | undefined
  private readonly afterRemove: ((id: string) => Promise<void>) | undefined
  private readonly partsPerUpload: number
  private readonly inspections: SyncInspections | undefined
  private tempDirReady: Promise<unknown> | undefined
  private readonly writing = new Map<string, Promise<number>>()

  /** The store's own S3 client, for instrumentation (metrics middleware). */
  get s3Client(): S3Store['client'] {
    return this.client
  }

  constructor(options: UplinkS3StoreOptions) {
    const {
      tempDir,
      ledger,
      checksums,
      maxDeferredLength,
      allowDeferredLength,
      afterRemove,
      partsPerUpload,
      inspections,
      ...storeOptions
    } = options
    super(storeOptions)
    this.tempBase = tempDir
    this.tempDir = storeTempDir(tempDir)
    this.ledger = ledger
    this.checksums = checksums
    this.deferredLengthBound = maxDeferredLength
    this.afterRemove = afterRemove
    this.partsPerUpload = partsPerUpload ?? 4
    this.inspections = inspections
    // tus: "If the Server does not support creation-defer-length it MUST NOT list it".
    this.extensions = [
      ...this.extensions.filter((e) => e !== 'creation-defer-length' || allowDeferredLength),
      'checksum',
    ]
  }

  private ensureTempDir(): Promise<unknown> {
    this.tempDirReady ??= mkdir(this.tempDir, { recursive: true })
    return this.tempDirReady
  }

  /** Deletes part files of processes that died (SIGKILL, OOM); safe while others run. */
  async sweepTempFiles(): Promise<number> {
    await this.ensureTempDir()
    return sweepTempDirs(this.tempBase)
  }

  /** Temp files for a resumed incomplete part live in tempDir too. */
  protected override async uniqueTmpFileName(template: string): Promise<string> {
    await this.ensureTempDir()
    return join(this.tempDir, `${template}${randomBytes(8).toString('hex')}`)
  }

  protected override calcOptimalPartSize(size?: number): number {
    return super.calcOptimalPartSize(size ?? this.deferredLengthBound)
  }

  /**
   * The multipart upload carries the declared Content-Type from the start (no copy needed at
   * the end, whatever the size) and, with checksums on, the SHA256 algorithm. S3: "each part
   * uploaded … must include the checksum" once the upload declares an algorithm.
   */
  override async create(upload: Upload): Promise<Upload> {
    const request: CreateMultipartUploadCommandInput = {
      Bucket: this.bucket,
      Key: upload.id,
      Metadata: { 'tus-version': TUS_RESUMABLE },
      ...(this.checksums ? { ChecksumAlgorithm: 'SHA256' } : {}),
    }
    const type = upload.metadata?.filetype
    if (type) request.ContentType = normalizeContentType(type)
    upload.creation_date = new Date().toISOString()
    const res = await this.client.createMultipartUpload(request)
    if (!res.UploadId) throw new Error('S3 returned no UploadId')
    upload.storage = { type: 's3', path: res.Key ?? upload.id, bucket: this.bucket }
    await this.saveMetadata(upload, res.UploadId)
    return upload
  }

  /**
   * Writes one PATCH body at `offset`. With an Upload-Checksum, tus: "the uploaded chunk MUST be
   * discarded, and the upload and its offset MUST NOT be updated" on a mismatch. Parts still go
   * to S3 as they fill (no buffering of the whole PATCH), but they are recorded in the ledger only
   * once the digest matched, and only ledger parts count: a mismatch, or a checksummed PATCH cut
   * short, leaves the offset where it was (a consumed incomplete part is put back).
   */
  /**
   * One write per upload at a time in this process, and HEAD/PATCH read the offset only after
   * it settled: @tus/server can answer (and unlock) a failed PATCH while its write is still
   * storing what it received, and the next request must not see a half-finished offset.
   */
  override async write(src: Readable, id: string, offset: number): Promise<number> {
    await this.writing.get(id)?.catch(() => {})
    const run = this.inspectedWrite(src, id, offset)
    this.writing.set(id, run)
    try {
      return await run
    } finally {
      if (this.writing.get(id) === run) this.writing.delete(id)
    }
  }

  /** The write, with the body passing through the upload's synchronous inspection if any. */
  private async inspectedWrite(src: Readable, id: string, offset: number): Promise<number> {
    const inspections = this.inspections
    if (!inspections) return this.writeOnce(src, id, offset)
    try {
      const newOffset = await this.writeOnce(inspections.tap(id, offset, src), id, offset)
      inspections.settle(id, newOffset)
      return newOffset
    } catch (err) {
      inspections.drop(id)
      throw err
    }
  }

  override async getUpload(id: string): Promise<Upload> {
    await this.writing.get(id)?.catch(() => {})
    return super.getUpload(id)
  }

  private async writeOnce(src: Readable, id: string, offset: number): Promise<number> {
    const declared = patchChecksum.getStore()
    const digest = declared ? createDigest(declared.algorithm) : undefined
    const body = digest ? hashing(src, digest) : src
    const metadata = await this.getMetadata(id)
    let parts: Part[]
    try {
      parts = await this.retrieveParts(id)
    } catch (err) {
      // A completed upload has no multipart upload left: an empty PATCH at its end is a no-op.
      if (!isMissingUpload(err) || offset !== metadata.file.size) throw err
      for await (const _ of body) {
        // nothing: the body limit of a completed upload is 0 bytes
      }
      verify(declared, digest)
      return offset
    }
    const nextPartNumber = (parts.at(-1)?.PartNumber ?? 0) + 1
    const incomplete = await this.downloadIncompletePart(id)
    const withheld: LedgerPart[] | undefined = declared ? [] : undefined
    if (incomplete && !withheld) await this.deleteIncompletePart(id)
    const source = incomplete
      ? Readable.from(concat(incomplete.createReader({ cleanUpOnEnd: !withheld }), body))
      : body
    let uploaded: number
    try {
      uploaded = await this.uploadParts(
        metadata,
        source,
        nextPartNumber,
        offset - (incomplete?.size ?? 0),
        withheld,
      )
      verify(declared, digest)
      if (withheld) await this.keepWithheld(id, withheld, incomplete !== undefined)
    } catch (err) {
      if (withheld) await this.dropWithheld(metadata, withheld, incomplete)
      throw err
    } finally {
      if (withheld && incomplete) await rm(incomplete.path, { force: true })
    }
    const newOffset = offset + uploaded - (incomplete?.size ?? 0)
    if (metadata.file.size === newOffset) {
      await this.finishMultipartUpload(metadata, await this.retrieveParts(id))
      await this.completeMetadata(metadata.file)
      await this.clearCache(id)
    }
    return newOffset
  }

  /**
   * Records a verified PATCH's parts. The consumed incomplete part is forgotten first: a crash
   * in between loses bytes (the resume starts earlier), it never counts them twice.
   */
  private async keepWithheld(id: string, parts: LedgerPart[], hadIncomplete: boolean) {
    const replacesIncomplete = parts.some((p) => p.partNumber === INCOMPLETE_PART)
    if (hadIncomplete) await this.ledger.forget(id, INCOMPLETE_PART)
    for (const part of parts) await this.ledger.record(id, part)
    if (hadIncomplete && !replacesIncomplete) {
      await this.client.deleteObject({ Bucket: this.bucket, Key: this.partKey(id, true) })
    }
  }

  /**
   * Forgets a discarded PATCH: its parts in S3 were never recorded, so they do not count (the
   * next PATCH overwrites their numbers); a `.part` object it overwrote gets its old bytes back.
   */
  private async dropWithheld(
    metadata: MetadataValue,
    parts: LedgerPart[],
    incomplete: { path: string; size: number } | undefined,
  ) {
    if (!parts.some((p) => p.partNumber === INCOMPLETE_PART)) return
    const id = metadata.file.id
    if (!incomplete) {
      await this.client.deleteObject({ Bucket: this.bucket, Key: this.partKey(id, true) })
      return
    }
    await this.sendPartFile(
      metadata,
      incomplete.path,
      incomplete.size,
      INCOMPLETE_PART,
      false,
      (p) => this.ledger.record(id, p),
    )
  }

  /**
   * Streams the request body into part-sized temp files and uploads each as it fills. Each
   * upload has `partsPerUpload` slots (a part being filled or sent holds one), and a part takes
   * a permit of the process-wide semaphore (`maxConcurrentPartUploads`) only while it is sent:
   * a client that stalls mid-part holds one slot of its own, never a permit others need.
   * When the request ends early (client gone, idle timeout), the bytes already received are
   * still stored, as a part or as the `.part` object, so the resume starts after them.
   */
  protected override async uploadParts(
    metadata: MetadataValue,
    source: Readable,
    firstPartNumber: number,
    offset: number,
    withheld?: LedgerPart[],
  ): Promise<number> {
    await this.ensureTempDir()
    const id = metadata.file.id
    // A checksummed PATCH collects its parts; they are recorded once its digest matched.
    const record = withheld
      ? async (part: LedgerPart) => {
          withheld.push(part)
        }
      : (part: LedgerPart) => this.ledger.record(id, part)
    const size = metadata.file.size
    const splitter = new StreamSplitter({
      chunkSize: this.calcOptimalPartSize(size),
      directory: this.tempDir,
    })
    const slots = new Slots(this.partsPerUpload)
    const uploads: Promise<void>[] = []
    let uploaded = 0
    let nextPart = firstPartNumber
    let position = offset
    let releaseSlot: (() => void) | undefined
    let openFile: string | undefined
    let sendFailed = false

    const send = (path: string, bytes: number, release: (() => void) | undefined) => {
      const partNumber = nextPart++
      position += bytes
      const isLast = size === position
      // Parts go to S3 concurrently. A crash can leave a gap in the part list; retrieveParts
      // counts only the verified consecutive parts, and a resumed PATCH re-sends from the gap.
      const task = this.withPermit(() =>
        this.sendPartFile(metadata, path, bytes, partNumber, isLast, record),
      )
        .then(() => {
          uploaded += bytes
        })
        .catch((err: unknown) => {
          sendFailed = true
          splitter.destroy(err as Error)
          throw err
        })
        .finally(async () => {
          await rm(path, { force: true }).catch(() => {})
          release?.()
        })
      task.catch(() => {})
      uploads.push(task)
    }

    splitter.on('beforeChunkStarted', async () => {
      releaseSlot = await slots.acquire()
    })
    splitter.on('chunkStarted', (path: string) => {
      openFile = path
    })
    splitter.on('chunkFinished', ({ path, size: bytes }: { path: string; size: number }) => {
      openFile = undefined
      const release = releaseSlot
      releaseSlot = undefined
      send(path, bytes, release)
    })

    try {
      await feed(source, splitter)
    } catch (err) {
      const partial = openFile
      openFile = undefined
      const bytes = partial ? await fileSize(partial) : 0
      if (partial && bytes > 0 && !sendFailed) send(partial, bytes, releaseSlot)
      else {
        if (partial) await rm(partial, { force: true }).catch(() => {})
        releaseSlot?.()
      }
      uploads.push(Promise.reject(err))
    }
    // Never return while a part upload still runs in the background.
    await Promise.allSettled(uploads)
    await Promise.all(uploads)
    return uploaded
  }

  private async withPermit(send: () => Promise<void>): Promise<void> {
    const permit = await this.partUploadSemaphore.acquire()
    try {
      await send()
    } finally {
      await permit.release()
    }
  }

  /**
   * One temp file to S3 with its SHA-256, recorded once S3 acknowledged it.
   * S3: "each part must be at least 5 MB in size, except the last part".
   */
  private async sendPartFile(
    metadata: MetadataValue,
    path: string,
    bytes: number,
    partNumber: number,
    isLast: boolean,
    record: (part: LedgerPart) => Promise<void>,
  ): Promise<void> {
    const id = metadata.file.id
    if (bytes === 0) return
    // Exactly `bytes`: a part cut short by an aborted request is a prefix of its file.
    const sha256 = await fileSha256(path, bytes)
    // Large reads: fewer, bigger writes to the S3 socket (the default is 64 KiB).
    const body = createReadStream(path, { highWaterMark: 1024 * 1024, end: bytes - 1 })
    const checksum = this.checksums ? { ChecksumSHA256: sha256 } : {}
    if (bytes >= this.minPartSize || isLast) {
      const res = await this.client.uploadPart({
        Bucket: this.bucket,
        Key: id,
        UploadId: metadata['upload-id'],
        PartNumber: partNumber,
        Body: body,
        ContentLength: bytes,
        ...checksum,
      })
      checkAcknowledged(res.ChecksumSHA256, sha256, `part ${partNumber}`)
      await record({ partNumber, size: bytes, sha256, etag: res.ETag ?? '' })
      return
    }
    const res = await this.client.putObject({
      Bucket: this.bucket,
      Key: this.partKey(id, true),
      Body: body,
      ContentLength: bytes,
      Tagging: this.useCompleteTag('false'),
      ...checksum,
    })
    checkAcknowledged(res.ChecksumSHA256, sha256, 'the incomplete part')
    await record({
      partNumber: INCOMPLETE_PART,
      size: bytes,
      sha256,
      etag: res.ETag ?? '',
    })
  }

  /**
   * Only the consecutive parts 1…n that S3 lists exactly as the ledger recorded them count:
   * a part left after a gap, or one a store kept from a cut-short body, never moves the offset;
   * the next PATCH overwrites its number.
   */
  protected override async retrieveParts(id: string, partNumberMarker?: string) {
    const parts = await super.retrieveParts(id, partNumberMarker)
    if (partNumberMarker) return parts
    const written = await this.ledger.list(id)
    const verified: Part[] = []
    for (const part of parts) {
      if (part.PartNumber !== verified.length + 1) break
      if (!isPartAsWritten(part, written.get(part.PartNumber))) break
      verified.push(part)
    }
    return verified
  }

  /** The incomplete part counts only when S3 holds it exactly as it was written. */
  protected override async getIncompletePartSize(id: string): Promise<number | undefined> {
    let head: HeadObjectCommandOutput
    try {
      head = await this.client.headObject({
        Bucket: this.bucket,
        Key: this.partKey(id, true),
        ...(this.checksums ? { ChecksumMode: 'ENABLED' } : {}),
      })
    } catch (err) {
      if (isNotFound(err)) return undefined
      throw err
    }
    const written = (await this.ledger.list(id)).get(INCOMPLETE_PART)
    const listed = {
      Size: head.ContentLength,
      ChecksumSHA256: head.ChecksumSHA256,
      ETag: head.ETag,
    }
    return isPartAsWritten(listed, written) ? head.ContentLength : undefined
  }

  /** Prepends the incomplete part only if its bytes hash to what was written; else drops it. */
  protected override async downloadIncompletePart(id: string) {
    const part = await super.downloadIncompletePart(id)
    if (!part) return undefined
    const written = (await this.ledger.list(id)).get(INCOMPLETE_PART)
    if (written && written.size === part.size && written.sha256 === (await fileSha256(part.path))) {
      return part
    }
    await rm(part.path, { force: true })
    await this.deleteIncompletePart(id)
    return undefined
  }

  protected override async deleteIncompletePart(id: string): Promise<void> {
    await super.deleteIncompletePart(id)
    await this.ledger.forget(id, INCOMPLETE_PART)
  }

  /**
   * Completes only when the verified parts add up to the upload's length, with each part's
   * checksum (S3 requires them once the upload declares an algorithm).
   */
  protected override async finishMultipartUpload(
    metadata: MetadataValue,
    parts: Part[],
  ): Promise<string | undefined> {
    const id = metadata.file.id
    const total = parts.reduce((sum, p) => sum + (p.Size ?? 0), 0)
    if (total !== metadata.file.size) {
      throw new PartChecksumError(
        `upload ${id}: the verified parts hold ${total} of ${metadata.file.size} bytes`,
      )
    }
    // S3 needs at least one part; an empty upload sends one empty part.
    if (parts.length === 0) parts.push(await this.sendEmptyPart(metadata))
    const res = await this.client.completeMultipartUpload({
      Bucket: this.bucket,
      Key: id,
      UploadId: metadata['upload-id'],
      MultipartUpload: {
        Parts: parts.map((p) => ({
          ETag: p.ETag,
          PartNumber: p.PartNumber,
          ...(this.checksums && p.ChecksumSHA256 ? { ChecksumSHA256: p.ChecksumSHA256 } : {}),
        })),
      },
    })
    await this.ledger.forget(id)
    return res.Location
  }

  private async sendEmptyPart(metadata: MetadataValue): Promise<Part> {
    const ChecksumSHA256 = EMPTY_SHA256
    const res = await this.client.uploadPart({
      Bucket: this.bucket,
      Key: metadata.file.id,
      UploadId: metadata['upload-id'],
      PartNumber: 1,
      Body: Buffer.alloc(0),
      ContentLength: 0,
      ...(this.checksums ? { ChecksumSHA256 } : {}),
    })
    return { PartNumber: 1, ETag: res.ETag, Size: 0, ChecksumSHA256 }
  }

  /** Termination: aborts the multipart upload, deletes the info and incomplete-part objects. */
  override async remove(id: string): Promise<void> {
    await super.remove(id)
    await this.client.deleteObject({ Bucket: this.bucket, Key: this.partKey(id, true) })
    await this.ledger.forget(id)
    await this.afterRemove?.(id)
  }

  /**
   * Removes whatever S3 still holds for an unfinished upload (multipart upload, info and
   * incomplete part), also when the info object is already gone. For expiry cleanup.
   */
  async purge(id: string): Promise<void> {
    try {
      await super.remove(id)
    } catch (err) {
      if (err !== ERRORS.FILE_NOT_FOUND) throw err
    }
    await this.forgetFinished(id)
  }

  /** Deletes the info and incomplete-part objects and the ledger of an upload. */
  async forgetFinished(id: string): Promise<void> {
    await this.client.deleteObjects({
      Bucket: this.bucket,
      Delete: { Objects: [{ Key: this.infoKey(id) }, { Key: this.partKey(id, true) }] },
    })
    await this.ledger.forget(id)
    await this.clearCache(id)
  }
}
