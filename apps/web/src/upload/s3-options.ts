import { planParts } from '@uplink/core/browser'
import type { AwsS3Options, AwsS3Part, AwsS3UploadParameters } from '@uppy/aws-s3'
import type { Body, Uppy } from '@uppy/core'
import type { ApiClient } from '../api/client.ts'
import { RETRY_DELAYS } from './network.ts'
import { sha256Base64 } from './sha256.ts'
import type { UplinkFile, UplinkMeta } from './uplink-meta.ts'
import { verifiedParts } from './verified-parts.ts'

/** The server's part plan (core's `planParts`): 16 MiB, grown to whole MiB so there are ≤ 10,000 parts. */
export function partSizeFor(size: number): number {
  return planParts(size).partSize
}

function uploadRequest(file: UplinkFile) {
  return {
    purpose: file.meta.purpose,
    filename: file.meta.filename,
    contentType: file.meta.filetype,
    size: file.size ?? 0,
  }
}

/** The file's bytes; Uppy's local files always have them. */
function dataOf(file: UplinkFile): Blob {
  if (!(file.data instanceof Blob)) throw new Error(`${file.meta.filename} has no local data`)
  return file.data
}

/**
 * `@uppy/aws-s3` callbacks on our tRPC procedures: presigned PUT (with a signed SHA-256) or
 * POST for small files, `multipart.*` for large ones, every part's SHA-256 signed too (S3
 * stores exactly these bytes or nothing). Uppy's multipart `key` is our documentId.
 */
export function s3Options(
  uppy: Uppy<UplinkMeta, Body>,
  api: ApiClient,
): AwsS3Options<UplinkMeta, Body> {
  return {
    limit: 4,
    retryDelays: RETRY_DELAYS,
    shouldUseMultipart: (file) => file.meta.method === 'multipart',
    getChunkSize: (file) => partSizeFor(file.size),

    async getUploadParameters(file): Promise<AwsS3UploadParameters> {
      // A retry or a restored upload presigns afresh: the earlier pending row has no use left.
      if (file.meta.documentId) {
        await api.documents.delete.mutate({ id: file.meta.documentId }).catch(() => {})
      }
      if (file.meta.method === 'post') {
        const signed = await api.uploads.presignPost.mutate(uploadRequest(file))
        uppy.setFileMeta(file.id, { ...file.meta, documentId: signed.documentId })
        return { method: 'POST', url: signed.url, fields: signed.fields }
      }
      const sha256 = await sha256Base64(dataOf(file))
      const signed = await api.uploads.presignPut.mutate({ ...uploadRequest(file), sha256 })
      uppy.setFileMeta(file.id, { ...file.meta, documentId: signed.documentId })
      return { method: 'PUT', url: signed.url, headers: signed.headers }
    },

    async createMultipartUpload(file) {
      const created = await api.multipart.create.mutate(uploadRequest(file))
      uppy.setFileMeta(file.id, { ...file.meta, documentId: created.documentId })
      return { uploadId: created.uploadId, key: created.documentId }
    },

    async signPart(_file, { key, partNumber, body, signal }) {
      const sha256 = await sha256Base64(body)
      const signed = await api.multipart.signParts.mutate(
        { documentId: key, parts: [{ partNumber, sha256 }] },
        { signal },
      )
      const part = signed.parts[0]
      if (!part) throw new Error(`the server signed no URL for part ${partNumber}`)
      return { method: 'PUT', url: part.url, headers: part.headers }
    },

    // Uppy skips the parts returned here: only those holding exactly our bytes.
    async listParts(file, { key, signal }): Promise<AwsS3Part[]> {
      const { parts } = await api.multipart.listParts.query({ documentId: key }, { signal })
      return verifiedParts(dataOf(file), partSizeFor(file.size ?? 0), parts)
    },

    async completeMultipartUpload(_file, { key, parts, signal }) {
      await api.multipart.complete.mutate(
        {
          documentId: key,
          parts: parts.flatMap((p) =>
            p.PartNumber !== undefined && p.ETag
              ? [{ partNumber: p.PartNumber, etag: p.ETag }]
              : [],
          ),
        },
        { signal },
      )
      return {}
    },

    async abortMultipartUpload(_file, { key }) {
      await api.multipart.abort.mutate({ documentId: key })
    },
  }
}
