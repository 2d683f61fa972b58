import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { isNoSuchUpload } from './store-behaviours.ts'

export { MULTIPART_LIMITS, planParts } from '@uplink/core'

export interface UploadedPart {
  partNumber: number
  etag: string
  size: number
  /** The part's base64 SHA-256 as the store verified it; absent when checksums are off. */
  sha256?: string | undefined
}

/**
 * Starts a multipart upload. With `checksums`, S3 requires and verifies a SHA-256 on every
 * part ("if you specify a checksum algorithm at create, each UploadPart must carry it").
 */
export async function createMultipartUpload(
  client: S3Client,
  bucket: string,
  input: { key: string; contentType: string; checksums: boolean },
): Promise<string> {
  const res = await client.send(
    new CreateMultipartUploadCommand({
      Bucket: bucket,
      Key: input.key,
      ContentType: input.contentType,
      ...(input.checksums ? { ChecksumAlgorithm: 'SHA256' as const } : {}),
    }),
  )
  if (!res.UploadId) throw new Error('S3 returned no UploadId')
  return res.UploadId
}

/** Every part S3 holds for the upload, following ListParts pagination. */
export async function listParts(
  client: S3Client,
  bucket: string,
  input: { key: string; uploadId: string },
): Promise<UploadedPart[]> {
  const parts: UploadedPart[] = []
  let marker: string | undefined
  do {
    const res = await client.send(
      new ListPartsCommand({
        Bucket: bucket,
        Key: input.key,
        UploadId: input.uploadId,
        ...(marker ? { PartNumberMarker: marker } : {}),
      }),
    )
    for (const p of res.Parts ?? []) {
      if (p.PartNumber && p.ETag) {
        parts.push({
          partNumber: p.PartNumber,
          etag: p.ETag,
          size: p.Size ?? 0,
          ...(p.ChecksumSHA256 ? { sha256: p.ChecksumSHA256 } : {}),
        })
      }
    }
    marker = res.IsTruncated ? res.NextPartNumberMarker : undefined
  } while (marker)
  return parts.sort((a, b) => a.partNumber - b.partNumber)
}

/**
 * Completes an upload. S3: an upload created with a checksum algorithm must list each part's
 * checksum, so pass `sha256` for every part of such an upload (ListParts reports them).
 */
export async function completeMultipartUpload(
  client: S3Client,
  bucket: string,
  input: {
    key: string
    uploadId: string
    parts: { partNumber: number; etag: string; sha256?: string | undefined }[]
  },
): Promise<void> {
  await client.send(
    new CompleteMultipartUploadCommand({
      Bucket: bucket,
      Key: input.key,
      UploadId: input.uploadId,
      MultipartUpload: {
        Parts: input.parts.map((p) => ({
          PartNumber: p.partNumber,
          ETag: p.etag,
          ...(p.sha256 ? { ChecksumSHA256: p.sha256 } : {}),
        })),
      },
    }),
  )
}

export async function abortMultipartUpload(
  client: S3Client,
  bucket: string,
  input: { key: string; uploadId: string },
): Promise<void> {
  try {
    await client.send(
      new AbortMultipartUploadCommand({ Bucket: bucket, Key: input.key, UploadId: input.uploadId }),
    )
  } catch (err) {
    // Aborting an upload that is already gone leaves the same outcome (versitygw: 404, MinIO: 204).
    if (!isNoSuchUpload(err)) throw err
  }
}

export interface InProgressUpload {
  key: string
  uploadId: string
  initiated: Date | undefined
}

/** Incomplete multipart uploads under a prefix, all pages. */
export async function listMultipartUploads(
  client: S3Client,
  bucket: string,
  prefix = '',
): Promise<InProgressUpload[]> {
  const out: InProgressUpload[] = []
  let keyMarker: string | undefined
  let uploadIdMarker: string | undefined
  for (;;) {
    const res = await client.send(
      new ListMultipartUploadsCommand({
        Bucket: bucket,
        Prefix: prefix,
        ...(keyMarker ? { KeyMarker: keyMarker } : {}),
        ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}),
      }),
    )
    for (const u of res.Uploads ?? []) {
      if (u.Key && u.UploadId)
        out.push({ key: u.Key, uploadId: u.UploadId, initiated: u.Initiated })
    }
    if (!res.IsTruncated) return out
    keyMarker = res.NextKeyMarker
    uploadIdMarker = res.NextUploadIdMarker
  }
}
