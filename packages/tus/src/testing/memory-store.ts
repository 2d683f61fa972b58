import { randomUUID } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { Upload } from '@tus/utils'
import { type ChecksumAlgorithm, createDigest } from '../protocol/checksum.ts'
import { withRequestState } from '../protocol/request-state.ts'
import { UplinkS3Store } from '../store/s3-store.ts'
import { MemoryPartLedger } from './memory-ledger.ts'
import { MemoryS3 } from './memory-s3.ts'

export const KiB = 1024

export interface MemoryStoreOptions {
  checksums?: boolean
  /** Default 4 KiB: small parts keep the tests fast; the rules do not depend on the size. */
  partSize?: number
  /** Default 1 KiB, for the store and the S3 alike. */
  minPartSize?: number
  partsPerUpload?: number
  maxPartsPerPage?: number
}

/**
 * The tus store as production builds it (create-tus-server.ts), on an in-memory S3 and ledger
 * and a temp folder of its own, with helpers to create uploads and send PATCH bodies.
 */
export function memoryStore(options: MemoryStoreOptions = {}) {
  const minPartSize = options.minPartSize ?? KiB
  const s3 = new MemoryS3({
    minPartSize,
    ...(options.maxPartsPerPage ? { maxPartsPerPage: options.maxPartsPerPage } : {}),
  })
  const ledger = new MemoryPartLedger()
  const tempDir = mkdtempSync(join(tmpdir(), 'uplink-store-unit-'))
  const store = new UplinkS3Store({
    s3,
    partSize: options.partSize ?? 4 * KiB,
    minPartSize,
    maxConcurrentPartUploads: 16,
    partsPerUpload: options.partsPerUpload ?? 4,
    useTags: true,
    expirationPeriodInMilliseconds: 24 * 3600_000,
    tempDir,
    ledger,
    checksums: options.checksums ?? true,
    allowDeferredLength: false,
    s3ClientConfig: { bucket: s3.bucket, region: 'us-east-1' },
  })
  return {
    store,
    s3,
    ledger,
    /** Creates an upload of `size` bytes; its id (the object key). */
    async create(size: number): Promise<string> {
      const id = `owner/video/${randomUUID()}`
      const metadata = { filename: 'clip.mp4', filetype: 'video/mp4', purpose: 'video' }
      await store.create(new Upload({ id, size, offset: 0, metadata }))
      return id
    },
    /**
     * One PATCH body at `offset`, with an Upload-Checksum of `checksum` (the body's own digest
     * unless `expected` says otherwise); the new offset.
     */
    patch(
      id: string,
      offset: number,
      body: Buffer | Readable,
      checksum?: { algorithm: ChecksumAlgorithm; expected?: string },
    ): Promise<number> {
      const src = Buffer.isBuffer(body) ? Readable.from([body]) : body
      if (!checksum) return store.write(src, id, offset)
      let expected = checksum.expected
      if (expected === undefined && Buffer.isBuffer(body)) {
        const digest = createDigest(checksum.algorithm)
        digest.update(body)
        expected = digest.digest()
      }
      const declared = { algorithm: checksum.algorithm, expected: expected ?? '' }
      return store.write(src, id, offset, declared)
    },
    /**
     * One PATCH as @tus/server runs it: in one request, the offset read (getUpload) and then
     * the body written; a wrong offset throws. The new offset.
     */
    request(id: string, offset: number, body: Buffer): Promise<number> {
      return withRequestState({ checksum: undefined }, async () => {
        const upload = await store.getUpload(id)
        if (upload.offset !== offset) throw new Error(`offset ${upload.offset}, not ${offset}`)
        return store.write(Readable.from([body]), id, offset)
      })
    },
    /** The offset a HEAD answers. */
    async offset(id: string): Promise<number> {
      return (await store.getUpload(id)).offset
    },
    /** Deletes the temp folder. */
    async close(): Promise<void> {
      await rm(tempDir, { recursive: true, force: true })
    },
  }
}

export type MemoryStore = ReturnType<typeof memoryStore>
