import { isDependencyUnavailable, UNAVAILABLE_RETRY_AFTER_SECONDS } from '@uplink/core'
import { isChecksumRefusal } from '@uplink/storage'
import { type TusError, tusError } from './errors.ts'

// The tus answers for failures no hook turned into one, from the @uplink/core catalogue.

/**
 * S3 acknowledged a part with a checksum other than the one sent: it was not stored as sent.
 * Thrown by the store (store/verified-parts.ts), answered 460 here.
 */
export class PartChecksumError extends Error {
  override readonly name = 'PartChecksumError'
}

/** True when S3 refused (or acknowledged otherwise) a part because its bytes changed on the way. */
export function isS3ChecksumRefusal(err: unknown): boolean {
  return err instanceof PartChecksumError || isChecksumRefusal(err)
}

/**
 * The answer for an error @tus/server would send as 500: a dependency outage is the catalogue's
 * `unavailable` (503 + Retry-After, as the API answers), a part S3 refused for its checksum is
 * tus' 460 (resend the same bytes). Undefined: an unexpected failure.
 */
export function outageAnswer(err: unknown): TusError | undefined {
  if (isS3ChecksumRefusal(err)) {
    // tus checksum: "460 Checksum Mismatch: The checksum does not match the one computed by the server".
    return tusError(
      'checksum_mismatch',
      'Checksum Mismatch: S3 refused a part of this PATCH because its bytes changed on the way; none of them were kept, resend them from the same Upload-Offset',
    )
  }
  if (isDependencyUnavailable(err)) {
    return tusError('unavailable', undefined, {
      'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS),
    })
  }
  return undefined
}
