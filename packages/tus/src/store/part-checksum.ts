import { createHash } from 'node:crypto'
import { crc32 } from 'node:zlib'
import type { Part } from '@aws-sdk/client-s3'
import type { Upload } from '@tus/utils'

/**
 * The S3 checksum each part of an upload is sent with (and S3 verifies on UploadPart and lists
 * in ListParts). A part's checksum only has to prove its transfer: the document's SHA-256 is
 * computed apart. CRC32 (native `zlib.crc32`) costs half of SHA-256 per byte; uploads created
 * before it keep the SHA-256 they were created with (S3 refuses a part of another algorithm).
 */
export type PartChecksumAlgorithm = 'CRC32' | 'SHA256'

/** The algorithm of uploads this version creates. */
export const NEW_UPLOAD_PART_CHECKSUM: PartChecksumAlgorithm = 'CRC32'

/** A running checksum of a part's bytes; `digest` is base64, as S3's headers carry it. */
export interface PartHash {
  update(chunk: Uint8Array): void
  digest(): string
}

class Crc32Hash implements PartHash {
  private value = 0
  update(chunk: Uint8Array): void {
    this.value = crc32(chunk, this.value)
  }
  digest(): string {
    const out = Buffer.allocUnsafe(4)
    out.writeUInt32BE(this.value >>> 0)
    return out.toString('base64')
  }
}

/** A new running checksum in `algorithm`. */
export function partHash(algorithm: PartChecksumAlgorithm): PartHash {
  if (algorithm === 'CRC32') return new Crc32Hash()
  const hash = createHash('sha256')
  return { update: (chunk) => hash.update(chunk), digest: () => hash.digest('base64') }
}

/** Base64 checksum of `data` in `algorithm`. */
export function checksumOf(algorithm: PartChecksumAlgorithm, data: Uint8Array): string {
  const hash = partHash(algorithm)
  hash.update(data)
  return hash.digest()
}

/** What the `.info` object keeps of how the upload is stored (`Upload.storage`). */
type Storage = NonNullable<Upload['storage']> & { partChecksum?: PartChecksumAlgorithm }

/** `storage` of a new upload, naming its part checksum. */
export function storageWithChecksum(
  storage: NonNullable<Upload['storage']>,
  algorithm: PartChecksumAlgorithm,
): Storage {
  return { ...storage, partChecksum: algorithm }
}

/** The upload's part checksum: as its `.info` names it, else SHA-256 (uploads created before). */
export function partChecksumOf(file: Pick<Upload, 'storage'>): PartChecksumAlgorithm {
  return (file.storage as Storage | undefined)?.partChecksum === 'CRC32' ? 'CRC32' : 'SHA256'
}

/** The SDK field carrying a checksum of `algorithm`: `{ ChecksumCRC32 }` or `{ ChecksumSHA256 }`. */
export function checksumField(
  algorithm: PartChecksumAlgorithm,
  value: string,
): { ChecksumCRC32: string } | { ChecksumSHA256: string } {
  return algorithm === 'CRC32' ? { ChecksumCRC32: value } : { ChecksumSHA256: value }
}

/** The checksum S3 answered or listed in `algorithm`'s field, if any. */
export function answeredChecksum(
  algorithm: PartChecksumAlgorithm,
  answer: Pick<Part, 'ChecksumCRC32' | 'ChecksumSHA256'>,
): string | undefined {
  return algorithm === 'CRC32' ? answer.ChecksumCRC32 : answer.ChecksumSHA256
}
