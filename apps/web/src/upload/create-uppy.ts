import { MiB, type Policies, PolicyError, shouldRetryTus } from '@uplink/core/browser'
import AwsS3 from '@uppy/aws-s3'
import type { Body } from '@uppy/core'
import Tus from '@uppy/tus'
import type { ApiClient } from '../api/client.ts'
import { BROWSER_HASH } from '../integrity/browser-hash.ts'
import { sha256Hasher } from '../integrity/sha256-hasher.ts'
import { tusIntegrity } from '../integrity/tus-integrity.ts'
import { confirmDirectUploads } from './confirm-direct-uploads.ts'
import { policyText } from './human.ts'
import { UplinkMultipart } from './multipart-uploader.ts'
import { RETRY_DELAYS, retryWhenBackOnline } from './network.ts'
import { restoreUnfinished } from './restore.ts'
import { RoutedUppy } from './route-uploaders.ts'
import { s3Options } from './s3-options.ts'
import { retryDirectUploadsOnHiccups } from './transient.ts'
import type { UplinkMeta } from './uplink-meta.ts'
import { planUpload } from './upload-plan.ts'

/** tus PATCH size: a dropped connection costs at most this much, and proxies see small bodies. */
export const TUS_CHUNK_BYTES = 8 * MiB

export interface UploaderOptions {
  api: ApiClient
  /** The signed-in user: restored uploads are kept per user. */
  userId: string
  token: string
  /** The policies in force (they may arrive from the server after the page starts). */
  policies(): Policies
  /** The purpose the user chose for new files, or undefined to pick by file type. */
  purpose(): string | undefined
  /** A file refused by policy before upload: its name and the policy's message. */
  onRejected(filename: string, message: string): void
  /** A file's document is now `uploaded` on the server (each file as soon as it is). */
  onUploaded(): void
}

/**
 * One Uppy for the page: presigned multipart for multipart-method files (videos), tus to /files
 * for tus-method ones, presigned single uploads for the rest. Each file is checked against the purpose policies as it is added.
 */
export function createUppy({
  api,
  userId,
  token,
  policies,
  purpose,
  onRejected,
  onUploaded,
}: UploaderOptions) {
  const uppy = new RoutedUppy<UplinkMeta, Body>({
    id: `uplink:${userId}`,
    autoProceed: false,
    onBeforeFileAdded(file) {
      try {
        const name = file.name ?? 'file'
        const chosen = purpose()
        const plan = planUpload(policies(), { type: file.type, size: file.size ?? 0, name }, chosen)
        const policy = chosen ? policies()[chosen] : undefined
        if (policy && plan.purpose !== chosen) {
          throw new PolicyError(
            'type_not_allowed',
            'contentType',
            `${name} cannot go in as ${chosen}, which takes ${policyText(policy)}.`,
          )
        }
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
        return false
      }
    },
  })

  uppy.route([
    {
      accepts: (file) => file.meta.method === 'tus',
      install: () => {
        // Upload-Checksum on every PATCH and the whole file's Repr-Digest on the last one,
        // hashed in a worker while the file uploads.
        const integrity = BROWSER_HASH
          ? tusIntegrity(uppy, { chunkSize: TUS_CHUNK_BYTES })
          : undefined
        uppy.use(Tus<UplinkMeta, Body>, {
          endpoint: '/files',
          headers: () => ({ authorization: `Bearer ${token}` }),
          chunkSize: TUS_CHUNK_BYTES,
          retryDelays: RETRY_DELAYS,
          // Uppy's rule (with its 429 pause) widened by ours: a 460 kept nothing, so resend it
          // (until the same body has come back damaged too often).
          onShouldRetry: (err, _attempt, _options, next) => {
            const rule = (e: typeof err) =>
              next(e) || shouldRetryTus(e.originalResponse?.getStatus() ?? 0)
            return integrity ? integrity.shouldRetry(err, rule) : rule(err)
          },
          onBeforeRequest: integrity?.onBeforeRequest,
          // Fingerprints stay in localStorage until success, so a reload resumes the upload
          // when the same file is chosen again.
          removeFingerprintOnSuccess: true,
          // The whole file's SHA-256 goes with the last PATCH (Repr-Digest), not in the metadata.
          allowedMetaFields: ['filename', 'filetype', 'purpose'],
          limit: 3,
        })
      },
    },
    {
      accepts: (file) => file.meta.method === 'multipart',
      // Each part's SHA-256 and the whole file's (declared at complete), hashed in a worker.
      install: () =>
        uppy.use(UplinkMultipart, { api, hasher: BROWSER_HASH ? sha256Hasher : undefined }),
    },
    {
      accepts: (file) => file.meta.method === 'put' || file.meta.method === 'post',
      install: () => uppy.use(AwsS3<UplinkMeta, Body>, s3Options(uppy, api)),
    },
  ])
  confirmDirectUploads(uppy, api, onUploaded)
  restoreUnfinished(uppy)
  retryWhenBackOnline(uppy)
  retryDirectUploadsOnHiccups(uppy)
  // tus and multipart uploads are confirmed by the server before they report success.
  uppy.on('upload-success', (file) => {
    if (file && (file.meta.method === 'tus' || file.meta.method === 'multipart')) onUploaded()
  })
  return uppy
}
