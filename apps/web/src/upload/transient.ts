import { TRPCClientError } from '@trpc/client'
import { isRetryableStorageStatus } from '@uplink/core/browser'
import type { Body, Uppy } from '@uppy/core'
import { RETRY_DELAYS } from './network.ts'
import type { UplinkMeta } from './uplink-meta.ts'

/** HTTP statuses that say "try again later" rather than "this request is wrong". */
const isRetryableStatus = (status: number) =>
  status === 0 || status === 408 || status === 429 || status >= 500

/**
 * Whether a failed request may succeed if sent again: no response at all (connection reset,
 * proxy page instead of JSON), 408, 429 or 5xx. A refusal the server explains (4xx, a rejected
 * upload) is not: sending it again would get the same answer.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof TRPCClientError) {
    const status = (err.data as { httpStatus?: number } | undefined)?.httpStatus
    return status === undefined || isRetryableStatus(status)
  }
  const status = storageStatus(err)
  // Storage's own answer: its 409 is a race to retry (isRetryableStorageStatus says which).
  return status !== undefined && isRetryableStorageStatus(status)
}

/**
 * S3's status in a failed upload: @uppy/aws-s3's S3ServiceError and our PartError carry
 * `status`; its S3NetworkError (code NETWORK) means nothing answered (0).
 */
function storageStatus(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const { status, code } = err as { status?: unknown; code?: unknown }
  if (typeof status === 'number') return status
  return code === 'NETWORK' ? 0 : undefined
}

/** The wait before retry number `attempt` (1-based), or undefined once the delays run out. */
export function retryDelay(attempt: number): number | undefined {
  return RETRY_DELAYS[attempt]
}

/**
 * Calls `fn` again after a transient failure, backing off as RETRY_DELAYS does (about 30
 * minutes in all), so a 502 from a proxy or a dropped connection never ends an upload.
 */
export async function withRetries<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (err) {
      const wait = retryDelay(attempt)
      if (!isTransient(err) || wait === undefined) throw err
      await new Promise((resolve) => setTimeout(resolve, wait))
    }
  }
}

/**
 * @uppy/aws-s3 tries a single PUT/POST three times within seconds, and its presign once: a
 * longer storage hiccup or a 5xx would leave the file failed until the user pressed Retry. Retries
 * such a file by itself with backoff while the browser is online (offline failures restart
 * when it is back, see retryWhenBackOnline).
 */
export function retryDirectUploadsOnHiccups(uppy: Uppy<UplinkMeta, Body>): void {
  const attempts = new Map<string, number>()
  uppy.on('upload-error', (file, error) => {
    if (!file || (file.meta.method !== 'put' && file.meta.method !== 'post')) return
    if (!isTransient(error) || !navigator.onLine) return
    const attempt = (attempts.get(file.id) ?? 0) + 1
    const wait = retryDelay(attempt)
    if (wait === undefined) return
    attempts.set(file.id, attempt)
    setTimeout(() => {
      if (uppy.getFile(file.id)?.error && navigator.onLine) void uppy.retryUpload(file.id)
    }, wait)
  })
  uppy.on('upload-success', (file) => {
    if (file) attempts.delete(file.id)
  })
  uppy.on('file-removed', (file) => attempts.delete(file.id))
}
