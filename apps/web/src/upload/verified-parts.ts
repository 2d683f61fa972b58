import type { AwsS3Part } from '@uppy/aws-s3'
import { sha256Base64 } from './sha256.ts'

/** A part as `multipart.listParts` reports it. */
export interface ListedPart {
  partNumber: number
  etag: string
  size: number
  sha256?: string | undefined
}

/**
 * The listed parts that hold exactly this file's bytes, for Uppy to skip on resume. A store
 * can keep a right-sized part with other bytes (a cut body padded with zeros), so each part
 * counts only if its SHA-256 equals the local chunk's; one without a checksum is sent again.
 */
export async function verifiedParts(
  data: Blob,
  partSize: number,
  listed: readonly ListedPart[],
): Promise<AwsS3Part[]> {
  const out: AwsS3Part[] = []
  for (const p of listed) {
    const chunk = data.slice((p.partNumber - 1) * partSize, p.partNumber * partSize)
    if (!p.sha256 || chunk.size !== p.size) continue
    if ((await sha256Base64(chunk)) !== p.sha256) continue
    out.push({ PartNumber: p.partNumber, ETag: p.etag, Size: p.size })
  }
  return out
}
