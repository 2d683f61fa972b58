import type { S3Client } from '@aws-sdk/client-s3'
import { createPresignedPost } from '@aws-sdk/s3-presigned-post'
import { contentDisposition, dispositionTypeFor } from '@uplink/core'
import { type CredentialProvider, cappedExpiry } from './credentials.ts'
import { checkExpiry } from './expiry.ts'
import type { ObjectSigner } from './object-signer.ts'

export interface PresignedPut {
  url: string
  method: 'PUT'
  /** Send exactly these headers: they are part of the signature. */
  headers: Record<string, string>
  /** Capped at the expiration of the credentials that signed it. */
  expiresAt: Date
}

export interface PresignedPost {
  url: string
  /** Form fields to send before the `file` field, unchanged. */
  fields: Record<string, string>
  expiresAt: Date
}

export interface PresignedGet {
  url: string
  expiresAt: Date
}

const after = (from: Date, seconds: number) => new Date(from.getTime() + seconds * 1000)

/**
 * Presigned PUT with Content-Type and Content-Length signed (rule 5), and the SHA-256
 * checksum too when the client supplied one: S3 then refuses any other body.
 */
export async function presignPut(
  signer: ObjectSigner,
  input: {
    key: string
    contentType: string
    size: number
    sha256?: string | undefined
    expiresInSeconds?: number | undefined
    /** The signing clock; defaults to now. */
    signedAt?: Date | undefined
  },
): Promise<PresignedPut> {
  const expiresInSeconds = checkExpiry('upload', input.expiresInSeconds)
  const signedAt = input.signedAt ?? new Date()
  const headers: Record<string, string> = { 'Content-Type': input.contentType }
  if (input.sha256) headers['x-amz-checksum-sha256'] = input.sha256
  const { url, expiresAt } = await signer.presign({
    method: 'PUT',
    url: signer.url(input.key),
    // Content-Length is signed but not returned: clients (browsers) set it from the body.
    headers: { ...headers, 'Content-Length': String(input.size) },
    expiresInSeconds,
    signedAt,
  })
  return { url, method: 'PUT', headers, expiresAt }
}

/**
 * Presigned POST policy: the exact Content-Type, and a content-length-range that admits
 * only the declared size (never more than the policy maximum). The client signs with
 * `credentials` too (a session token becomes the `X-Amz-Security-Token` field), so the policy's
 * expiration is capped at theirs.
 */
export async function presignPost(
  client: S3Client,
  bucket: string,
  credentials: CredentialProvider,
  input: { key: string; contentType: string; size: number; expiresInSeconds?: number | undefined },
): Promise<PresignedPost> {
  const signedAt = new Date()
  const expiresIn = cappedExpiry(
    await credentials(),
    signedAt,
    checkExpiry('upload', input.expiresInSeconds),
  )
  const { url, fields } = await createPresignedPost(client, {
    Bucket: bucket,
    Key: input.key,
    Expires: expiresIn,
    Fields: { 'Content-Type': input.contentType },
    Conditions: [
      ['content-length-range', input.size, input.size],
      ['eq', '$Content-Type', input.contentType],
    ],
  })
  return { url, fields, expiresAt: after(signedAt, expiresIn) }
}

/**
 * Presigned GET that makes the browser save (or, for a safe type, show) the file under its
 * original name, with our Content-Type rather than whatever the object carries.
 */
export async function presignGet(
  signer: ObjectSigner,
  input: {
    key: string
    filename: string
    contentType: string
    expiresInSeconds?: number | undefined
    /** The signing time (now by default); the URL expires `expiresInSeconds` after it. */
    signedAt?: Date | undefined
  },
): Promise<PresignedGet> {
  const expiresInSeconds = checkExpiry('download', input.expiresInSeconds)
  return signer.presign({
    method: 'GET',
    url: signer.url(input.key, {
      'response-content-disposition': contentDisposition(
        dispositionTypeFor(input.contentType),
        input.filename,
      ),
      'response-content-type': input.contentType,
    }),
    expiresInSeconds,
    signedAt: input.signedAt ?? new Date(),
  })
}

export interface PresignedPart {
  url: string
  /** Capped at the expiration of the credentials that signed it. */
  expiresAt: Date
  /** Send exactly these headers (Content-Length, also signed, comes from the body). */
  headers: Record<string, string>
}

/**
 * A presigned UploadPart URL with the part's Content-Length signed, and its SHA-256 when
 * given: S3 refuses a body of another length (the signature no longer matches) and one whose
 * digest differs from `x-amz-checksum-sha256`, so a cut or changed part is never stored.
 */
export async function presignUploadPart(
  signer: ObjectSigner,
  input: {
    key: string
    uploadId: string
    partNumber: number
    /** The part's exact size in bytes. */
    size: number
    /** The part's base64 SHA-256; required when the upload was created with checksums. */
    sha256?: string | undefined
    expiresInSeconds?: number | undefined
  },
): Promise<PresignedPart> {
  const expiresInSeconds = checkExpiry('upload', input.expiresInSeconds)
  const headers: Record<string, string> = {}
  if (input.sha256) headers['x-amz-checksum-sha256'] = input.sha256
  const { url, expiresAt } = await signer.presign({
    method: 'PUT',
    url: signer.url(input.key, { partNumber: String(input.partNumber), uploadId: input.uploadId }),
    // Content-Length is signed but not returned: clients set it from the body.
    headers: { ...headers, 'Content-Length': String(input.size) },
    expiresInSeconds,
    signedAt: new Date(),
  })
  return { url, headers, expiresAt }
}
