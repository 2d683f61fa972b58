import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { createPresignedPost } from '@aws-sdk/s3-presigned-post'
import { getSignedUrl } from '@aws-sdk/s3-request-presigner'
import { contentDisposition, dispositionTypeFor } from '@uplink/core'
import { checkExpiry } from './expiry.ts'

export interface PresignedPut {
  url: string
  method: 'PUT'
  /** Send exactly these headers: they are part of the signature. */
  headers: Record<string, string>
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

const expiresAt = (seconds: number) => new Date(Date.now() + seconds * 1000)

/**
 * Presigned PUT with Content-Type and Content-Length signed (rule 5), and the SHA-256
 * checksum too when the client supplied one: S3 then refuses any other body.
 */
export async function presignPut(
  client: S3Client,
  bucket: string,
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
  const expiresIn = checkExpiry('upload', input.expiresInSeconds)
  const command = new PutObjectCommand({
    Bucket: bucket,
    Key: input.key,
    ContentType: input.contentType,
    ContentLength: input.size,
    ...(input.sha256 ? { ChecksumSHA256: input.sha256 } : {}),
  })
  const signed = new Set(['content-type', 'content-length'])
  if (input.sha256) signed.add('x-amz-checksum-sha256')
  const signedAt = input.signedAt ?? new Date()
  const url = await getSignedUrl(client, command, {
    expiresIn,
    signingDate: signedAt,
    signableHeaders: signed,
    // Keep the checksum a header the client must send, not a query parameter.
    unhoistableHeaders: new Set(['x-amz-checksum-sha256']),
  })
  const headers: Record<string, string> = { 'Content-Type': input.contentType }
  if (input.sha256) headers['x-amz-checksum-sha256'] = input.sha256
  return { url, method: 'PUT', headers, expiresAt: new Date(signedAt.getTime() + expiresIn * 1000) }
}

/**
 * Presigned POST policy: the exact Content-Type, and a content-length-range that admits
 * only the declared size (never more than the policy maximum).
 */
export async function presignPost(
  client: S3Client,
  bucket: string,
  input: { key: string; contentType: string; size: number; expiresInSeconds?: number | undefined },
): Promise<PresignedPost> {
  const expiresIn = checkExpiry('upload', input.expiresInSeconds)
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
  return { url, fields, expiresAt: expiresAt(expiresIn) }
}

/**
 * Presigned GET that makes the browser save (or, for a safe type, show) the file under its
 * original name, with our Content-Type rather than whatever the object carries.
 */
export async function presignGet(
  client: S3Client,
  bucket: string,
  input: {
    key: string
    filename: string
    contentType: string
    expiresInSeconds?: number | undefined
  },
): Promise<PresignedGet> {
  const expiresIn = checkExpiry('download', input.expiresInSeconds)
  const command = new GetObjectCommand({
    Bucket: bucket,
    Key: input.key,
    ResponseContentDisposition: contentDisposition(
      dispositionTypeFor(input.contentType),
      input.filename,
    ),
    ResponseContentType: input.contentType,
  })
  const url = await getSignedUrl(client, command, { expiresIn })
  return { url, expiresAt: expiresAt(expiresIn) }
}
