import { MiB, type Policies, PolicyError } from '@uplink/core'
import AwsS3 from '@uppy/aws-s3'
import Uppy, { type Body } from '@uppy/core'
import Tus from '@uppy/tus'
import type { ApiClient } from '../api/client.ts'
import { confirmDirectUploads } from './confirm-direct-uploads.ts'
import { routeUploaders } from './route-uploaders.ts'
import { s3Options } from './s3-options.ts'
import type { UplinkMeta } from './uplink-meta.ts'
import { planUpload } from './upload-plan.ts'

/** tus PATCH size: a dropped connection costs at most this much, and proxies see small bodies. */
export const TUS_CHUNK_BYTES = 8 * MiB

/**
 * Waits before each automatic retry after a dropped connection (about a minute in all); the
 * client then asks the server for its offset (HEAD) and sends only the rest.
 */
export const TUS_RETRY_DELAYS = [0, 1000, 3000, 5000, 10_000, 20_000, 30_000]

export interface UploaderOptions {
  api: ApiClient
  token: string
  policies: Policies
  /** A file refused by policy before upload: its name and the policy's message. */
  onRejected(filename: string, message: string): void
}

/**
 * One Uppy for the page: tus to /files for tus-method files (videos), presigned S3 uploads for
 * the rest. Each file is checked against the purpose policies as it is added.
 */
export function createUppy({ api, token, policies, onRejected }: UploaderOptions) {
  const uppy = new Uppy<UplinkMeta, Body>({
    id: 'uplink',
    autoProceed: false,
    onBeforeFileAdded(file) {
      try {
        const plan = planUpload(policies, { type: file.type, size: file.size ?? 0 })
        return {
          ...file,
          meta: {
            ...file.meta,
            filename: file.name ?? 'file',
            filetype: plan.contentType,
            purpose: plan.purpose,
            method: plan.method,
          },
        }
      } catch (err) {
        if (!(err instanceof PolicyError)) throw err
        onRejected(file.name ?? 'file', err.message)
        uppy.info({ message: `${file.name} was not added`, details: err.message }, 'error', 8000)
        return false
      }
    },
  })

  routeUploaders(uppy, [
    {
      accepts: (file) => file.meta.method === 'tus',
      install: () =>
        uppy.use(Tus<UplinkMeta, Body>, {
          endpoint: '/files',
          headers: () => ({ authorization: `Bearer ${token}` }),
          chunkSize: TUS_CHUNK_BYTES,
          retryDelays: TUS_RETRY_DELAYS,
          // Fingerprints stay in localStorage until success, so a reload resumes the upload
          // when the same file is chosen again.
          removeFingerprintOnSuccess: true,
          allowedMetaFields: ['filename', 'filetype', 'purpose'],
          limit: 3,
        }),
    },
    {
      accepts: (file) => file.meta.method !== 'tus',
      install: () => uppy.use(AwsS3<UplinkMeta, Body>, s3Options(uppy, api)),
    },
  ])
  uppy.addPostProcessor(confirmDirectUploads(uppy, api))
  return uppy
}
