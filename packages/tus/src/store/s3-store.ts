import { rm } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import type {
  CreateMultipartUploadCommandInput,
  GetObjectCommandOutput,
  Part,
  S3,
} from '@aws-sdk/client-s3'
import { type MetadataValue, type Options, S3Store } from '@tus/s3-store'
import { ERRORS, TUS_RESUMABLE, Upload } from '@tus/utils'
import { normalizeContentType } from '@uplink/core'
import type { LeanS3 } from '@uplink/storage'
import type { DeclaredChecksum } from '../protocol/checksum.ts'
import { declaredChecksum, requestState } from '../protocol/request-state.ts'
import { FreshUploads } from './fresh-uploads.ts'
import { hotPathS3 } from './hot-path-s3.ts'
import { downloadIncompletePart } from './incomplete-part.ts'
import { NEW_UPLOAD_PART_CHECKSUM, partChecksumOf, storageWithChecksum } from './part-checksum.ts'
import type { PartLedger } from './part-ledger.ts'
import { PartMemory } from './part-memory.ts'
import { PatchWriter } from './patch-writer.ts'
import { isMissingUpload, isNotFound } from './s3-answers.ts'
import type { StoreS3 } from './store-s3.ts'
import type { SyncInspections } from './sync-inspections.ts'
import { StoreTempDir } from './temp-dirs.ts'
import type { Termination } from './termination.ts'
import {
  INCOMPLETE_PART,
  incompleteSizeOf,
  startOf,
  VerifiedParts,
  verifiedOf,
} from './verified-parts.ts'

export interface UplinkS3StoreOptions extends Options {
  /** Where parts are buffered on disk before they go to S3 (each process uses a subfolder). */
  tempDir: string
  /** Records acknowledged parts; a resume counts only parts found here as written. */
  ledger: PartLedger
  /**
   * Send every part with its `x-amz-checksum-crc32` (multipart uploads are created with the
   * CRC32 algorithm; those created before with SHA256 keep it). Off only for stores that
   * cannot take checksums.
   */
  checksums: boolean
  /** Part size used while the upload length is still deferred (bounded by this length). */
  maxDeferredLength?: number | undefined
  /** Parts of one upload being filled or sent at once (default 4). */
  partsPerUpload?: number
  /**
   * Bytes of parts this process may hold in memory while they fill and are sent (default 0:
   * every part in a temp file). A part that finds no room goes to a temp file.
   */
  partMemoryBytes?: number | undefined
  /** Accept `Upload-Defer-Length` (creation-defer-length extension). */
  allowDeferredLength: boolean
  /** What a tus DELETE does to the upload's document (default: nothing). */
  termination?: Termination | undefined
  /** Inspects PATCH bodies of purposes with `inspection: sync` as they pass. */
  inspections?: SyncInspections | undefined
  /**
   * The S3 to call instead of a client built from `s3ClientConfig` (the unit tests pass an
   * in-memory one). Every call the store and @tus/s3-store make is in StoreS3.
   */
  s3?: StoreS3 | undefined
  /**
   * The lean client for the store's hot calls (UploadPart, PutObject, HeadObject …); the rest
   * go to the SDK client built from `s3ClientConfig`. Omitted: every call goes to the SDK.
   */
  lean?: LeanS3 | undefined
}

/**
 * @tus/s3-store with Uplink's needs, composed of: PATCH bodies streamed into part files hashed
 * while written and sent as they fill (patch-writer.ts, part-uploads.ts); parts
 * recorded once S3 acknowledged their SHA-256, and counted on resume only when S3 lists them
 * exactly as written (verified-parts.ts); a per-store temp folder swept of dead processes'
 * leftovers (temp-dirs.ts). The `.part` object is removed on termination, and
 * creation-defer-length is offered only on request.
 */
export class UplinkS3Store extends S3Store {
  readonly tempBase: string
  readonly tempDir: string
  private readonly temp: StoreTempDir
  private readonly ledger: PartLedger
  private readonly checksums: boolean
  private readonly verified: VerifiedParts
  private readonly patches: PatchWriter
  private readonly deferredLengthBound: number | undefined
  private readonly termination: Termination | undefined
  private readonly inspections: SyncInspections | undefined
  /** Created here, not read or written since (see getUpload). */
  private readonly fresh = new FreshUploads()

  /**
   * The store's own S3 client, for instrumentation: a middleware added to its stack sees every
   * call, the lean client's too.
   */
  get s3Client(): S3Store['client'] {
    return this.client
  }

  constructor(options: UplinkS3StoreOptions) {
    const { tempDir, ledger, checksums, maxDeferredLength, allowDeferredLength, ...rest } = options
    const { termination, partsPerUpload, partMemoryBytes, inspections, s3, lean, ...storeOptions } =
      rest
    super(storeOptions)
    // StoreS3 is every call the store and @tus/s3-store make (the SDK type is what the base names).
    if (s3) this.client = s3 as S3
    else if (lean) this.client = hotPathS3(this.client, lean) as unknown as S3
    this.temp = new StoreTempDir(tempDir)
    this.tempBase = this.temp.base
    this.tempDir = this.temp.path
    this.ledger = ledger
    this.checksums = checksums
    this.deferredLengthBound = maxDeferredLength
    this.termination = termination
    this.inspections = inspections
    const incompleteKey = (id: string) => this.partKey(id, true)
    this.verified = new VerifiedParts({
      client: this.client,
      bucket: this.bucket,
      ledger,
      checksums,
      minPartSize: () => this.minPartSize,
      incompleteKey,
      incompleteTagging: () => this.useCompleteTag('false'),
    })
    this.patches = new PatchWriter({
      ledger,
      verified: this.verified,
      temp: this.temp,
      memory: partMemoryBytes ? new PartMemory(partMemoryBytes) : undefined,
      partsPerUpload: partsPerUpload ?? 4,
      partSize: (length) => this.calcOptimalPartSize(length),
      permit: async () => {
        const permit = await this.partUploadSemaphore.acquire()
        return () => permit.release()
      },
      metadata: (id) => this.getMetadata(id),
      parts: async (id) => this.verified.check(id, await super.retrieveParts(id)),
      takeIncomplete: (id, offset) => this.takeIncompletePart(id, offset),
      deleteIncomplete: (id) => this.deleteIncompletePart(id),
      deleteIncompleteObject: (id) =>
        this.client.deleteObject({ Bucket: this.bucket, Key: incompleteKey(id) }),
      // The `.info` object is written once, at creation: the document's status says the upload
      // is finished, and cleanupExpired() removes the `.info` after the expiry period.
      finish: async (metadata, parts, forgetLedger) => {
        await this.verified.complete(metadata, parts, { forgetLedger })
        await this.clearCache(metadata.file.id)
        // S3 accepted the parts, which add up to the length: the object is that many bytes, with
        // the Content-Type the upload was created with.
        const type = metadata.file.metadata?.filetype
        requestState()?.completed.set(metadata.file.id, {
          size: metadata.file.size ?? 0,
          contentType: type ? normalizeContentType(type) : undefined,
        })
      },
    })
    // tus: "If the Server does not support creation-defer-length it MUST NOT list it".
    this.extensions = [
      ...this.extensions.filter((e) => e !== 'creation-defer-length' || allowDeferredLength),
      'checksum',
    ]
  }

  /** Deletes part files of processes that died (SIGKILL, OOM); safe while others run. */
  sweepTempFiles(): Promise<number> {
    return this.temp.sweep()
  }

  /** Temp files for a resumed incomplete part live in tempDir too. */
  protected override uniqueTmpFileName(template: string): Promise<string> {
    return this.temp.fileName(template)
  }

  protected override calcOptimalPartSize(size?: number): number {
    return super.calcOptimalPartSize(size ?? this.deferredLengthBound)
  }

  /**
   * The multipart upload carries the declared Content-Type from the start (no copy needed at
   * the end, whatever the size) and, with checksums on, the CRC32 algorithm, which its `.info`
   * names (`partChecksumOf`). S3: "each part uploaded … must include the checksum" once the
   * upload declares an algorithm.
   */
  override async create(upload: Upload): Promise<Upload> {
    const request: CreateMultipartUploadCommandInput = {
      Bucket: this.bucket,
      Key: upload.id,
      Metadata: { 'tus-version': TUS_RESUMABLE },
      ...(this.checksums ? { ChecksumAlgorithm: NEW_UPLOAD_PART_CHECKSUM } : {}),
    }
    const type = upload.metadata?.filetype
    if (type) request.ContentType = normalizeContentType(type)
    upload.creation_date = new Date().toISOString()
    const res = await this.client.createMultipartUpload(request)
    if (!res.UploadId) throw new Error('S3 returned no UploadId')
    upload.storage = storageWithChecksum(
      { type: 's3', path: res.Key ?? upload.id, bucket: this.bucket },
      NEW_UPLOAD_PART_CHECKSUM,
    )
    await this.saveMetadata(upload, res.UploadId)
    // This process made the state: it need not read back the `.info` it just wrote (a deferred
    // length can still be declared by another instance, so that upload is read each time).
    if (upload.size !== undefined) {
      await this.cache.set(upload.id, {
        'tus-version': TUS_RESUMABLE,
        'upload-id': res.UploadId,
        file: new Upload({ ...upload, offset: 0 }),
      })
    }
    // Nothing is stored yet: no parts, no ledger records, no `.part` object.
    if (upload.size !== undefined) this.fresh.add(upload.id)
    const state = requestState()
    state?.read.set(upload.id, { parts: [], ledger: new Map(), noIncomplete: true })
    state?.written.set(upload.id, { offset: 0 })
    return upload
  }

  /**
   * One PATCH body at `offset`, with the Upload-Checksum it declared; see PatchWriter (one
   * write per upload at a time). @tus/server calls `write(stream, id, offset)`: the checksum
   * then comes from the request being handled (`declaredChecksum`, the one hand-off).
   */
  override async write(
    src: Readable,
    id: string,
    offset: number,
    checksum: DeclaredChecksum | undefined = declaredChecksum(),
  ): Promise<number> {
    this.fresh.delete(id)
    const inspections = this.inspections
    try {
      // The body passes through the upload's synchronous inspection, if its purpose has one.
      const body = inspections ? inspections.tap(id, offset, src) : src
      const newOffset = await this.patches.write(body, id, offset, checksum)
      inspections?.settle(id, newOffset)
      return newOffset
    } catch (err) {
      inspections?.drop(id)
      throw err
    }
  }

  /**
   * The offset: the verified parts, and the `.part` object only when it starts where they end
   * (@tus/s3-store would add its size wherever its bytes belong).
   */
  override async getUpload(id: string): Promise<Upload> {
    await this.patches.settled(id)
    let metadata: MetadataValue
    try {
      metadata = await this.getMetadata(id)
    } catch {
      throw ERRORS.FILE_NOT_FOUND
    }
    const { file } = metadata
    const at = (offset: number | undefined) =>
      new Upload({ ...file, offset: offset ?? 0, size: file.size, storage: file.storage })
    const state = requestState()
    // The same request's write (or creation) just left the upload here.
    const written = state?.written.get(id)
    if (written) return at(written.offset)
    const ledgerRead = this.ledger.list(id)
    // Created here and not touched since: S3 holds no part and no `.part` object of ours. Any part
    // another instance stored meanwhile would be in the ledger (only recorded parts ever count).
    if (this.fresh.take(id) && state?.documents.get(id)?.status === 'pending') {
      const ledger = await ledgerRead
      if (ledger.size === 0) {
        state.read.set(id, { parts: [], ledger, noIncomplete: true })
        return at(0)
      }
    }
    // The three reads are independent: one round trip of waiting instead of three.
    const [listed, ledger, head] = await Promise.all([
      super.retrieveParts(id).catch((err: unknown) => {
        // The multipart upload was completed (the `.info` object is still there): all bytes are in.
        if (isMissingUpload(err)) return undefined
        throw err
      }),
      ledgerRead,
      this.verified.headIncomplete(id),
    ])
    if (!listed) return at(file.size)
    const parts = verifiedOf(listed, ledger)
    const partsEnd = parts.reduce((sum, p) => sum + (p.Size ?? 0), 0)
    const incomplete = incompleteSizeOf(head, ledger, partsEnd)
    state?.read.set(id, { parts, ledger, noIncomplete: incomplete === null })
    return at(partsEnd + (incomplete ?? 0))
  }

  protected override async retrieveParts(id: string, partNumberMarker?: string) {
    const parts = await super.retrieveParts(id, partNumberMarker)
    return partNumberMarker ? parts : this.verified.consecutive(id, parts)
  }

  /** Nothing here: getUpload counts the `.part` object once it knows where the parts end. */
  protected override async getIncompletePartSize(): Promise<number | undefined> {
    return undefined
  }

  /**
   * The `.part` leftover to prepend to a PATCH, only if it starts at `offset` (where the
   * verified parts end) and its bytes hash to what was written; else it is deleted.
   */
  private async takeIncompletePart(id: string, offset: number) {
    let res: GetObjectCommandOutput
    try {
      res = await this.client.getObject({ Bucket: this.bucket, Key: this.partKey(id, true) })
    } catch (err) {
      if (isNotFound(err)) return undefined
      throw err
    }
    const body = res.Body as Readable
    if (startOf(res.Metadata) === offset) {
      const path = await this.uniqueTmpFileName('incomplete-')
      const { file } = await this.getMetadata(id)
      const part = await downloadIncompletePart(body, path, offset, partChecksumOf(file))
      if (await this.verified.isIncompleteAsWritten(id, part)) return part
      await rm(part.path, { force: true })
    } else {
      body.destroy()
    }
    await this.deleteIncompletePart(id)
    return undefined
  }

  protected override async deleteIncompletePart(id: string): Promise<void> {
    await super.deleteIncompletePart(id)
    await this.ledger.forget(id, INCOMPLETE_PART)
  }

  protected override finishMultipartUpload(metadata: MetadataValue, parts: Part[]) {
    return this.verified.complete(metadata, parts)
  }

  /**
   * Termination (tus: "the Server MUST respond with the 204 No Content status" to a DELETE of an
   * existing upload). A settled upload keeps its object, which is its document's: only the tus
   * state goes (info and incomplete-part objects, ledger). Otherwise the multipart upload is
   * aborted and the object, info and incomplete-part objects deleted.
   */
  override async remove(id: string): Promise<void> {
    if (await this.termination?.isSettled(id)) {
      await this.forgetFinished(id)
      await this.termination?.afterForget(id)
      return
    }
    try {
      await super.remove(id)
    } catch (err) {
      if (err !== ERRORS.FILE_NOT_FOUND) throw err
      // A completed multipart upload cannot be aborted (finished, but its document never
      // settled, e.g. a crash in between): its unverified object goes too.
      await this.client.deleteObject({ Bucket: this.bucket, Key: id })
    }
    await this.forgetFinished(id)
    await this.termination?.afterRemove(id)
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
    this.fresh.delete(id)
    await this.client.deleteObjects({
      Bucket: this.bucket,
      Delete: { Objects: [{ Key: this.infoKey(id) }, { Key: this.partKey(id, true) }] },
    })
    await this.ledger.forget(id)
    await this.clearCache(id)
  }
}
