import { randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { type MetadataValue, type Options, S3Store } from '@tus/s3-store'
import { ERRORS, StreamSplitter } from '@tus/utils'

export interface UplinkS3StoreOptions extends Options {
  /** Where parts are buffered on disk before they go to S3. */
  tempDir: string
  /** Part size used while the upload length is still deferred (bounded by this length). */
  maxDeferredLength?: number | undefined
  /** Accept `Upload-Defer-Length` (creation-defer-length extension). */
  allowDeferredLength: boolean
  /** Called after a tus DELETE removed the upload from S3. */
  afterRemove?: (id: string) => Promise<void>
}

type Permit = { release(): Promise<void> }

/**
 * @tus/s3-store with Uplink's needs: parts buffered under a configurable directory, the
 * incomplete `.part` object removed on termination, and creation-defer-length only on request.
 */
export class UplinkS3Store extends S3Store {
  readonly tempDir: string
  private readonly deferredLengthBound: number | undefined
  private readonly afterRemove: ((id: string) => Promise<void>) | undefined
  private tempDirReady: Promise<unknown> | undefined

  constructor(options: UplinkS3StoreOptions) {
    const { tempDir, maxDeferredLength, allowDeferredLength, afterRemove, ...storeOptions } =
      options
    super(storeOptions)
    this.tempDir = tempDir
    this.deferredLengthBound = maxDeferredLength
    this.afterRemove = afterRemove
    // tus: "If the Server does not support creation-defer-length it MUST NOT list it".
    this.extensions = this.extensions.filter(
      (e) => e !== 'creation-defer-length' || allowDeferredLength,
    )
  }

  private ensureTempDir(): Promise<unknown> {
    this.tempDirReady ??= mkdir(this.tempDir, { recursive: true })
    return this.tempDirReady
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
   * Streams the request body into part-sized temp files and uploads each as it fills. A permit
   * from the store-wide semaphore (`maxConcurrentPartUploads`) is taken before a file is started,
   * so memory stays flat and disk holds at most that many parts.
   */
  protected override async uploadParts(
    metadata: MetadataValue,
    source: Readable,
    firstPartNumber: number,
    offset: number,
  ): Promise<number> {
    await this.ensureTempDir()
    const size = metadata.file.size
    const splitter = new StreamSplitter({
      chunkSize: this.calcOptimalPartSize(size),
      directory: this.tempDir,
    })
    const uploads: Promise<void>[] = []
    let uploaded = 0
    let nextPart = firstPartNumber
    let position = offset
    let permit: Permit | undefined
    let openFile: string | undefined

    splitter.on('beforeChunkStarted', async () => {
      permit = await this.partUploadSemaphore.acquire()
    })
    splitter.on('chunkStarted', (path: string) => {
      openFile = path
    })
    splitter.on('chunkError', () => {
      void permit?.release()
      permit = undefined
    })
    splitter.on('chunkFinished', ({ path, size: bytes }: { path: string; size: number }) => {
      openFile = undefined
      const held = permit
      permit = undefined
      const partNumber = nextPart++
      position += bytes
      const isLast = size === position
      // Parts go to S3 concurrently (bounded by the permits). A crash can leave a gap in the
      // part list; retrieveParts counts only the consecutive parts, and a resumed PATCH
      // re-sends from the gap, overwriting any stray later part with the same bytes.
      const task = this.sendChunk(metadata, path, bytes, partNumber, isLast)
        .then(() => {
          uploaded += bytes
        })
        .catch((err: unknown) => {
          splitter.destroy(err as Error)
          throw err
        })
        .finally(async () => {
          await rm(path, { force: true }).catch(() => {})
          await held?.release()
        })
      task.catch(() => {})
      uploads.push(task)
    })

    try {
      await pipeline(source, splitter)
    } catch (err) {
      if (openFile) await rm(openFile, { force: true }).catch(() => {})
      uploads.push(Promise.reject(err))
    }
    // Never return while a part upload still runs in the background.
    await Promise.allSettled(uploads)
    await Promise.all(uploads)
    return uploaded
  }

  /** One temp file to S3. S3: "each part must be at least 5 MB in size, except the last part". */
  private async sendChunk(
    metadata: MetadataValue,
    path: string,
    bytes: number,
    partNumber: number,
    isLast: boolean,
  ): Promise<void> {
    // Large reads: fewer, bigger writes to the S3 socket (the default is 64 KiB).
    const body = createReadStream(path, { highWaterMark: 1024 * 1024 })
    if (bytes >= this.minPartSize || isLast) await this.uploadPart(metadata, body, partNumber)
    else await this.uploadIncompletePart(metadata.file.id, body)
  }

  /**
   * Only the consecutive parts 1…n count: a part left behind after a gap (by a process that
   * died mid-upload) must not move the offset; the next PATCH overwrites its number.
   */
  protected override async retrieveParts(id: string, partNumberMarker?: string) {
    const parts = await super.retrieveParts(id, partNumberMarker)
    if (partNumberMarker) return parts
    const consecutive: typeof parts = []
    for (const part of parts) {
      if (part.PartNumber !== consecutive.length + 1) break
      consecutive.push(part)
    }
    return consecutive
  }

  /** Termination: aborts the multipart upload, deletes the info and incomplete-part objects. */
  override async remove(id: string): Promise<void> {
    await super.remove(id)
    await this.client.deleteObject({ Bucket: this.bucket, Key: this.partKey(id, true) })
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
    await this.client.deleteObjects({
      Bucket: this.bucket,
      Delete: { Objects: [{ Key: this.infoKey(id) }, { Key: this.partKey(id, true) }] },
    })
    await this.clearCache(id)
  }
}
