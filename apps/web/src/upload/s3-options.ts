import { planParts } from '@uplink/core/browser'
import type { AwsS3Options } from '@uppy/aws-s3'
import type { Body, Uppy } from '@uppy/core'
import type { ApiClient } from '../api/client.ts'
import { sha256Base64 } from './sha256.ts'
import type { UplinkFile, UplinkMeta } from './uplink-meta.ts'

/** The server's part plan (core's `planParts`): 16 MiB, grown to whole MiB so there are ≤ 10,000 parts. */
export function partSizeFor(size: number): number {
  return planParts(size).partSize
}

/** What `uploads.presign*` and `multipart.create` take for this file. */
export function uploadRequest(file: UplinkFile) {
  return {
    purpose: file.meta.purpose,
    filename: file.meta.filename,
    contentType: file.meta.filetype,
    size: file.size ?? 0,
  }
}

/** The file's bytes; Uppy's local files always have them. */
export function dataOf(file: UplinkFile): Blob {
  if (!(file.data instanceof Blob)) throw new Error(`${file.meta.filename} has no local data`)
  return file.data
}

/**
 * `@uppy/aws-s3` (6) for presigned single-request uploads: a PUT with the file's SHA-256
 * signed in (S3 stores exactly these bytes or nothing), or a POST policy. Uppy asks its
 * `signRequest` for each request by object key; the key it proposes is the Uppy file id
 * (`generateObjectKey`), which names the file to sign for. The real key is the server's.
 * Multipart goes through `UplinkMultipart` (Uppy 6 would drive S3's multipart calls itself,
 * bypassing `multipart.create/listParts/complete`, where the server checks every part).
 */
export function s3Options(
  uppy: Uppy<UplinkMeta, Body>,
  api: ApiClient,
): AwsS3Options<UplinkMeta, Body> {
  return {
    limit: 4,
    shouldUseMultipart: false,
    generateObjectKey: (file) => file.id,

    async signRequest(request) {
      const file = uppy.getFile(request.key)
      if (!file || request.method !== 'PUT' || 'uploadId' in request) {
        throw new Error(`Uplink signs single uploads only, not ${request.method} ${request.key}`)
      }
      // A retry or a restored upload presigns afresh: the earlier pending row has no use left.
      if (file.meta.documentId) {
        await api.documents.delete.mutate({ id: file.meta.documentId }).catch(() => {})
      }
      if (file.meta.method === 'post') {
        const signed = await api.uploads.presignPost.mutate(uploadRequest(file))
        uppy.setFileMeta(file.id, { ...file.meta, documentId: signed.documentId })
        return { url: signed.url, fields: signed.fields }
      }
      const sha256 = await sha256Base64(dataOf(file))
      const signed = await api.uploads.presignPut.mutate({ ...uploadRequest(file), sha256 })
      uppy.setFileMeta(file.id, { ...file.meta, documentId: signed.documentId })
      return { url: signed.url, headers: signed.headers }
    },
  }
}
