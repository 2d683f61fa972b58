import type { AwsS3Part } from '@uppy/aws-s3'
import { sha256Base64 } from './sha256.ts'

/** A part as `multipart.listParts` reports it. */
export interface ListedPart {
  partNumber: number
  etag: string
  size: number
  sha256?: string | undefined
}

/** Base64 SHA-256 of a part of the local file (`chunk` holds its bytes). */
export type PartDigest = (partNumber: number, chunk: Blob) => Promise<string>

/**
 * The listed parts that hold exactly this file's bytes, for Uppy to skip on resume. A store
 * can keep a right-sized part with other bytes (a cut body padded with zeros), so each part
 * counts only if its SHA-256 equals the local chunk's; one without a checksum is sent again.
 * Parts are hashed one at a time in part order, so a `digest` that also feeds the whole file's
 * SHA-256 (`MultipartDigests.part`) catches up over them in order.
 */
export async function verifiedParts(
  data: Blob,
  partSize: number,
  listed: readonly ListedPart[],
  digest: PartDigest = (_, chunk) => sha256Base64(chunk),
): Promise<AwsS3Part[]> {
  const out: AwsS3Part[] = []
  for (const p of [...listed].sort((a, b) => a.partNumber - b.partNumber)) {
    const chunk = data.slice((p.partNumber - 1) * partSize, p.partNumber * partSize)
    if (!p.sha256 || chunk.size !== p.size) continue
    if ((await digest(p.partNumber, chunk)) !== p.sha256) continue
    out.push({ PartNumber: p.partNumber, ETag: p.etag, Size: p.size })
  }
  return out
}
