import { randomUUID } from 'node:crypto'
import { isChecksumRefusal, type LeanS3 } from '@uplink/storage'
import { CHECKSUM_PROBE_PREFIX, type ChecksumProbe } from '@uplink/uploads'
import { checksumOf, NEW_UPLOAD_PART_CHECKSUM } from './part-checksum.ts'

type Failure = { $metadata?: { httpStatusCode?: number }; name?: string; Code?: string }

/**
 * The checksum probe in the parts' own algorithm (CRC32), through the client that sends them:
 * a PutObject whose `x-amz-checksum-crc32` does not match its body. A store that verifies
 * SHA-256 but not CRC32 must not earn trust for CRC32 parts.
 */
export function partChecksumProbe(
  lean: Pick<LeanS3, 'putObject' | 'deleteObject'>,
  bucket: string,
): ChecksumProbe {
  return async () => {
    const key = `${CHECKSUM_PROBE_PREFIX}checksum-${randomUUID()}`
    const body = Buffer.from('uplink checksum probe')
    const wrong = checksumOf(NEW_UPLOAD_PART_CHECKSUM, Buffer.from('not the body'))
    const header = `x-amz-checksum-${NEW_UPLOAD_PART_CHECKSUM.toLowerCase()}`
    try {
      await lean.putObject({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentLength: body.length,
        ContentType: 'application/octet-stream',
        ...(NEW_UPLOAD_PART_CHECKSUM === 'CRC32'
          ? { ChecksumCRC32: wrong }
          : { ChecksumSHA256: wrong }),
      })
    } catch (err) {
      if (isChecksumRefusal(err)) return { refused: true }
      const status = (err as Failure).$metadata?.httpStatusCode ?? 0
      // Transient (5xx, network): proves nothing either way; the caller asks again later.
      if (status === 0 || status >= 500) throw err
      const code = (err as Failure).Code ?? (err as Failure).name ?? '(no code)'
      return {
        refused: false,
        why: `it answered a PUT with a wrong ${header} ${status} ${code}, not a checksum refusal`,
      }
    }
    await lean.deleteObject({ Bucket: bucket, Key: key })
    return { refused: false, why: `it stored a PUT whose ${header} was wrong` }
  }
}
