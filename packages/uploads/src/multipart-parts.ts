import { AppError, expectedPartSize, type PartPlan } from '@uplink/core'
import type { UploadedPart } from '@uplink/storage'

/** The part list a client sends does not match the plan or what S3 holds. */
const partListError = (message: string) => new AppError('part_list_invalid', message)

/** S3 ETags are quoted (`"abc"`); clients may or may not keep the quotes. */
export function normalizeEtag(etag: string): string {
  return etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1')
}

/** A part number outside 1..partCount, or undefined when all are valid. */
export function badPartNumber(plan: PartPlan, partNumbers: readonly number[]): number | undefined {
  return partNumbers.find((n) => !Number.isInteger(n) || n < 1 || n > plan.partCount)
}

/**
 * Checks a `signParts` request: numbers within the plan, each once, and a SHA-256 for each
 * when the store verifies checksums. Throws AppError `part_list_invalid` naming the first bad part.
 */
export function checkSignRequest(
  plan: PartPlan,
  parts: readonly { partNumber: number; sha256?: string | undefined }[],
  checksums: boolean,
): void {
  const bad = badPartNumber(
    plan,
    parts.map((p) => p.partNumber),
  )
  if (bad !== undefined) {
    throw partListError(
      `part number ${bad} is out of range: this upload has parts 1..${plan.partCount}`,
    )
  }
  const seen = new Set<number>()
  for (const p of parts) {
    if (seen.has(p.partNumber)) throw partListError(`part ${p.partNumber} is listed twice`)
    seen.add(p.partNumber)
    if (checksums && !p.sha256) {
      throw partListError(
        `part ${p.partNumber} needs its sha256 (base64 SHA-256 of the part's bytes): this store verifies a checksum on every part`,
      )
    }
  }
}

/** A part as the client claims it in `complete`. */
export interface ClaimedPart {
  partNumber: number
  etag: string
  sha256?: string | undefined
}

/** A part to complete with: what S3 holds. */
export interface CompletePart {
  partNumber: number
  etag: string
  sha256?: string | undefined
}

/**
 * Checks the client's part list against ListParts before CompleteMultipartUpload, so a wrong
 * or missing part is a clear error naming the part and the upload stays resumable.
 * Returns the parts to complete with, in order, carrying the ETags and SHA-256s S3 reported.
 */
export function checkPartList(
  plan: PartPlan,
  claimed: readonly ClaimedPart[],
  stored: readonly UploadedPart[],
): CompletePart[] {
  const bad = badPartNumber(
    plan,
    claimed.map((p) => p.partNumber),
  )
  if (bad !== undefined) {
    throw partListError(`part ${bad} is not a part of this upload (parts 1..${plan.partCount})`)
  }
  const byNumber = new Map<number, ClaimedPart>()
  for (const p of claimed) {
    if (byNumber.has(p.partNumber)) {
      throw partListError(`part ${p.partNumber} is listed twice`)
    }
    byNumber.set(p.partNumber, p)
  }
  const held = new Map(stored.map((p) => [p.partNumber, p]))
  const out: CompletePart[] = []
  for (let n = 1; n <= plan.partCount; n++) {
    const mine = byNumber.get(n)
    const etag = mine?.etag
    const part = held.get(n)
    if (!part) {
      throw partListError(
        `part ${n} has not been uploaded yet; upload it (multipart.signParts), then complete again`,
      )
    }
    if (etag === undefined) {
      throw partListError(`part ${n} is missing from the list; send all ${plan.partCount} parts`)
    }
    if (normalizeEtag(etag) !== normalizeEtag(part.etag)) {
      throw partListError(
        `part ${n} has ETag ${etag} but S3 holds ETag ${part.etag}; send the ETag the part's PUT returned (or re-upload the part)`,
      )
    }
    const expected = expectedPartSize(plan, n)
    if (part.size !== expected) {
      throw partListError(
        `part ${n} is ${part.size} bytes but must be ${expected} bytes (part size ${plan.partSize}); re-upload it`,
      )
    }
    // The client hashed the bytes it meant to send; S3 hashed the bytes it kept.
    if (mine?.sha256 && part.sha256 && mine.sha256 !== part.sha256) {
      throw partListError(
        `part ${n} has SHA-256 ${mine.sha256} but S3 holds SHA-256 ${part.sha256}; re-upload the part`,
      )
    }
    out.push({ partNumber: n, etag: part.etag, ...(part.sha256 ? { sha256: part.sha256 } : {}) })
  }
  return out
}
