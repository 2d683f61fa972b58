import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import type { HeadObjectCommandOutput, Part } from '@aws-sdk/client-s3'
import type { MetadataValue } from '@tus/s3-store'
import { PartChecksumError } from '../protocol/outage-answers.ts'
import {
  answeredChecksum,
  checksumField,
  checksumOf,
  type PartChecksumAlgorithm,
  partChecksumOf,
} from './part-checksum.ts'
import { isPartAsWritten, type LedgerPart, type PartLedger } from './part-ledger.ts'
import { EMPTY_MD5, isNotFound } from './s3-answers.ts'
import type { StoreS3 } from './store-s3.ts'

/** The incomplete part (`<id>.part`) is number 0 in the ledger. */
export const INCOMPLETE_PART = 0

/** S3 user metadata of the `.part` object: the upload offset of its first byte. */
export const INCOMPLETE_OFFSET = 'upload-offset'

/** A buffered part: its file or bytes, where it starts in the upload, the size and digests to send. */
export interface BufferedPart {
  path: string
  /** The part's bytes when it was held in memory (then `path` is unused). */
  data?: Buffer | undefined
  /** Upload offset of the part's first byte. */
  offset: number
  size: number
  /** Base64 checksum of the bytes, in the upload's algorithm (`partChecksumOf`). */
  checksum: string
  /** Base64 MD5, when hashed while written (checksums off); else read from the file if needed. */
  md5?: string | undefined
}

/** The ledger's records of one upload, by part number. */
export type Ledger = Map<number, LedgerPart>

/** Records a part S3 acknowledged (in the ledger, or held back until a PATCH is verified). */
export type RecordPart = (part: LedgerPart) => Promise<void>

/** What verified parts need of the store: S3, the ledger, and how it names `.part` objects. */
export interface VerifiedPartsOptions {
  client: StoreS3
  bucket: string
  ledger: PartLedger
  /**
   * Send and check the upload's `x-amz-checksum-*` (off only for stores that refuse it). Off,
   * every part and `.part` object goes with `Content-MD5` and is recorded with that MD5 as its
   * ETag.
   */
  checksums: boolean
  /** Parts under this size (but the last) go to the `.part` object. */
  minPartSize: () => number
  incompleteKey: (id: string) => string
  /** Tagging of the `.part` object (expiry lifecycle rules), if any. */
  incompleteTagging: () => string | undefined
}

/**
 * Parts as the store trusts them: sent with their checksum (or, checksums off, their MD5) and
 * recorded in the ledger once S3 acknowledged them; counted on resume only when S3 lists them
 * exactly as recorded; completed only when they add up to the upload's length.
 */
export class VerifiedParts {
  private readonly o: VerifiedPartsOptions
  /** Parts need an MD5 of their bytes (checksums off): hash it while the part file is written. */
  readonly md5: boolean

  constructor(options: VerifiedPartsOptions) {
    this.o = options
    this.md5 = !options.checksums
  }

  /**
   * One part file to S3 with its checksum, recorded once S3 acknowledged it.
   * S3: "each part must be at least 5 MB in size, except the last part".
   */
  async send(
    metadata: MetadataValue,
    part: BufferedPart,
    partNumber: number,
    isLast: boolean,
    record: RecordPart,
  ): Promise<void> {
    if (part.size === 0) return
    if (part.size < this.o.minPartSize() && !isLast) {
      return this.sendIncomplete(metadata, part, record)
    }
    const algorithm = partChecksumOf(metadata.file)
    const integrity = await this.integrity(part, algorithm)
    const res = await this.o.client.uploadPart({
      Bucket: this.o.bucket,
      Key: metadata.file.id,
      UploadId: metadata['upload-id'],
      PartNumber: partNumber,
      Body: readPart(part),
      ContentLength: part.size,
      ...integrity,
    })
    const what = `part ${partNumber}`
    checkAcknowledged(answeredChecksum(algorithm, res), part.checksum, what)
    const etag = this.acknowledgedEtag(res.ETag, integrity, what)
    await record({ partNumber, size: part.size, checksum: part.checksum, etag })
  }

  /** A PATCH's tail under the minimum part size goes to the `<id>.part` object. */
  async sendIncomplete(
    metadata: MetadataValue,
    part: BufferedPart,
    record: RecordPart,
  ): Promise<void> {
    const algorithm = partChecksumOf(metadata.file)
    const integrity = await this.integrity(part, algorithm)
    const res = await this.o.client.putObject({
      Bucket: this.o.bucket,
      Key: this.o.incompleteKey(metadata.file.id),
      Body: readPart(part),
      ContentLength: part.size,
      Tagging: this.o.incompleteTagging(),
      // It has no part number: where it starts is kept with it, so it counts only right there.
      Metadata: { [INCOMPLETE_OFFSET]: String(part.offset) },
      ...integrity,
    })
    checkAcknowledged(answeredChecksum(algorithm, res), part.checksum, 'the incomplete part')
    const etag = this.acknowledgedEtag(res.ETag, integrity, 'the incomplete part')
    await record({ partNumber: INCOMPLETE_PART, size: part.size, checksum: part.checksum, etag })
  }

  /**
   * Only the consecutive parts 1…n that S3 lists exactly as the ledger recorded them count:
   * a part left after a gap, or one a store kept from a cut-short body, never moves the offset;
   * the next PATCH overwrites its number.
   */
  async consecutive(id: string, listed: Part[]): Promise<Part[]> {
    return (await this.check(id, listed)).parts
  }

  /** As `consecutive`, with the ledger they were checked against (for the same request's write). */
  async check(id: string, listed: Part[]): Promise<{ parts: Part[]; ledger: Ledger }> {
    const ledger = await this.o.ledger.list(id)
    return { parts: verifiedOf(listed, ledger), ledger }
  }

  /**
   * A crashed PATCH can leave later parts recorded while an earlier one never reached S3; such
   * parts were written for a part before them that may now be rewritten at another size.
   * Forgets every ledger part after the verified ones (they never count); the next PATCH
   * overwrites their numbers.
   */
  async forgetUnverified(id: string, verified: Part[], ledger?: Ledger): Promise<void> {
    for (const n of (ledger ?? (await this.o.ledger.list(id))).keys()) {
      if (n !== INCOMPLETE_PART && n > verified.length) await this.o.ledger.forget(id, n)
    }
  }

  /**
   * The size of the `.part` object, counted only when S3 holds it exactly as it was written
   * and it starts at `offset`, where the verified parts end; null when there is none.
   */
  async incompleteSize(
    id: string,
    offset: number,
    ledger?: Ledger,
  ): Promise<number | undefined | null> {
    const head = await this.headIncomplete(id)
    if (!head) return null
    return incompleteSizeOf(head, ledger ?? (await this.o.ledger.list(id)), offset)
  }

  /** HeadObject of the `.part` object; null when there is none. */
  async headIncomplete(id: string): Promise<HeadObjectCommandOutput | null> {
    try {
      return await this.o.client.headObject({
        Bucket: this.o.bucket,
        Key: this.o.incompleteKey(id),
        ...(this.o.checksums ? { ChecksumMode: 'ENABLED' } : {}),
      })
    } catch (err) {
      if (isNotFound(err)) return null
      throw err
    }
  }

  /** Are these downloaded `.part` bytes the ones the ledger recorded? */
  async isIncompleteAsWritten(id: string, part: { size: number; checksum: string }) {
    const written = (await this.o.ledger.list(id)).get(INCOMPLETE_PART)
    return written !== undefined && written.size === part.size && written.checksum === part.checksum
  }

  /**
   * Completes only when the verified parts add up to the upload's length, with each part's
   * checksum (S3 requires them once the upload declares an algorithm).
   */
  async complete(
    metadata: MetadataValue,
    parts: Part[],
    options: { forgetLedger?: boolean } = {},
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
    const algorithm = partChecksumOf(metadata.file)
    const res = await this.o.client.completeMultipartUpload({
      Bucket: this.o.bucket,
      Key: id,
      UploadId: metadata['upload-id'],
      MultipartUpload: {
        Parts: parts.map((p) => {
          const checksum = this.o.checksums ? answeredChecksum(algorithm, p) : undefined
          return {
            ETag: p.ETag,
            PartNumber: p.PartNumber,
            ...(checksum ? checksumField(algorithm, checksum) : {}),
          }
        }),
      },
    })
    if (options.forgetLedger ?? true) await this.o.ledger.forget(id)
    return res.Location
  }

  private async sendEmptyPart(metadata: MetadataValue): Promise<Part> {
    const empty = checksumField(
      partChecksumOf(metadata.file),
      checksumOf(partChecksumOf(metadata.file), Buffer.alloc(0)),
    )
    const res = await this.o.client.uploadPart({
      Bucket: this.o.bucket,
      Key: metadata.file.id,
      UploadId: metadata['upload-id'],
      PartNumber: 1,
      Body: Buffer.alloc(0),
      ContentLength: 0,
      ...(this.o.checksums ? empty : { ContentMD5: EMPTY_MD5 }),
    })
    return { PartNumber: 1, ETag: res.ETag, Size: 0, ...empty }
  }

  /**
   * What S3 verifies the part with: its checksum, or with checksums off its MD5. S3 on
   * Content-MD5: "the base64-encoded 128-bit MD5 digest of the part data … used as a message
   * integrity check to verify that the part data is the same data that was originally sent."
   */
  private async integrity(
    part: BufferedPart,
    algorithm: PartChecksumAlgorithm,
  ): Promise<ReturnType<typeof checksumField> | { ContentMD5: string }> {
    if (this.o.checksums) return checksumField(algorithm, part.checksum)
    return { ContentMD5: part.md5 ?? (await md5OfFile(part)) }
  }

  /**
   * The ETag to record: with checksums off, our own MD5 (hex, as S3 lists it), never what the
   * store answered; an answer with another ETag means the store holds other bytes.
   */
  private acknowledgedEtag(etag: string | undefined, integrity: object, what: string): string {
    if (!('ContentMD5' in integrity)) return etag ?? ''
    const md5 = Buffer.from(integrity.ContentMD5 as string, 'base64').toString('hex')
    checkAcknowledgedEtag(etag, md5, what)
    return md5
  }
}

/** Throws when S3 acknowledged other bytes than the ones sent. */
export function checkAcknowledged(
  acknowledged: string | undefined,
  sent: string,
  what: string,
): void {
  if (acknowledged && acknowledged !== sent) {
    throw new PartChecksumError(
      `S3 acknowledged ${what} with checksum ${acknowledged} but ${sent} was sent`,
    )
  }
}

/**
 * Throws when S3 answered a `Content-MD5` upload with another ETag: the store holds other
 * bytes, or its ETags are not MD5s (then `S3_CHECKSUMS=false` cannot verify its parts).
 */
export function checkAcknowledgedEtag(etag: string | undefined, md5Hex: string, what: string) {
  const bare = (etag ?? '').replace(/^W\//, '').replace(/"/g, '')
  if (bare !== md5Hex) {
    throw new PartChecksumError(
      `S3 acknowledged ${what} with ETag ${bare || '(none)'} but the MD5 of the bytes sent is ${md5Hex}; with S3_CHECKSUMS=false the store's part ETags must be the MD5 of the part`,
    )
  }
}

/** Base64 MD5 of a part file's first `size` bytes (a `.part` leftover put back, not hashed yet). */
async function md5OfFile(part: BufferedPart): Promise<string> {
  const hash = createHash('md5')
  if (part.data) hash.update(part.data)
  else if (part.size > 0) for await (const chunk of readPart(part)) hash.update(chunk as Buffer)
  return hash.digest('base64')
}

/** The consecutive parts 1…n of `listed` that are exactly as `ledger` recorded them. */
export function verifiedOf(listed: Part[], ledger: Ledger): Part[] {
  const parts: Part[] = []
  for (const part of listed) {
    if (part.PartNumber !== parts.length + 1) break
    if (!isPartAsWritten(part, ledger.get(part.PartNumber))) break
    parts.push(part)
  }
  return parts
}

/**
 * The `.part` object's size when it is exactly as recorded and starts at `offset`; undefined
 * when it does not count, null when there is none.
 */
export function incompleteSizeOf(
  head: HeadObjectCommandOutput | null,
  ledger: Ledger,
  offset: number,
): number | undefined | null {
  if (!head) return null
  const listed = {
    Size: head.ContentLength,
    ChecksumCRC32: head.ChecksumCRC32,
    ChecksumSHA256: head.ChecksumSHA256,
    ETag: head.ETag,
  }
  const placed = startOf(head.Metadata) === offset
  return placed && isPartAsWritten(listed, ledger.get(INCOMPLETE_PART))
    ? head.ContentLength
    : undefined
}

/** Where a `.part` object starts, from its metadata; undefined when unknown. */
export function startOf(metadata: Record<string, string> | undefined): number | undefined {
  const raw = metadata?.[INCOMPLETE_OFFSET]
  return raw !== undefined && /^\d+$/.test(raw) ? Number(raw) : undefined
}

/**
 * Exactly `size` bytes of the part: its buffer (one write to the S3 socket), or its file (a file
 * cut short by a failed write may hold more) in large reads: fewer, bigger writes to the S3
 * socket (the default is 64 KiB). Always a stream: the SDK would hash a Buffer body once more
 * for its SigV4 payload hash, and the part's checksum already proves its bytes.
 */
const readPart = (part: BufferedPart) =>
  part.data
    ? Readable.from([part.data], { objectMode: false })
    : createReadStream(part.path, { highWaterMark: 1024 * 1024, end: part.size - 1 })
