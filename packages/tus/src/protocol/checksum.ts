import { createHash } from 'node:crypto'
import { type Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { crc32 } from 'node:zlib'
import { type TusError, tusError } from './errors.ts'

/** The algorithms of the tus checksum extension this server verifies (Tus-Checksum-Algorithm). */
export const CHECKSUM_ALGORITHMS = ['sha1', 'sha256', 'md5', 'crc32'] as const
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number]

/** What a PATCH declared in `Upload-Checksum`. */
export interface DeclaredChecksum {
  algorithm: ChecksumAlgorithm
  /** Base64 digest as sent. */
  expected: string
}

/** A running digest of the bytes of one PATCH. */
export interface Digest {
  update(chunk: Uint8Array): void
  /** Base64; crc32 is the 4-byte big-endian value, as tus clients send it. */
  digest(): string
}

const isAlgorithm = (a: string): a is ChecksumAlgorithm =>
  (CHECKSUM_ALGORITHMS as readonly string[]).includes(a)

/**
 * Parses `Upload-Checksum: <algorithm> <base64>`. tus: the server responds "400 Bad Request if
 * the checksum algorithm is not supported by the server".
 */
export function parseUploadChecksum(header: string): DeclaredChecksum | TusError {
  const match = /^([A-Za-z0-9-]+) ([A-Za-z0-9+/]+={0,2})$/.exec(header.trim())
  if (!match?.[1] || !match[2]) {
    return tusError(
      'bad_input',
      'Upload-Checksum must be "<algorithm> <base64 digest>", e.g. "sha256 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="',
    )
  }
  const algorithm = match[1].toLowerCase()
  if (!isAlgorithm(algorithm)) {
    return tusError(
      'bad_input',
      `Upload-Checksum algorithm "${match[1]}" is not supported; use one of ${CHECKSUM_ALGORITHMS.join(', ')}`,
    )
  }
  return { algorithm, expected: match[2] }
}

/** A digest for `algorithm`, fed chunk by chunk. */
export function createDigest(algorithm: ChecksumAlgorithm): Digest {
  if (algorithm === 'crc32') {
    let value = 0
    return {
      update: (chunk) => {
        value = crc32(chunk, value)
      },
      digest: () => {
        const out = Buffer.alloc(4)
        out.writeUInt32BE(value >>> 0)
        return out.toString('base64')
      },
    }
  }
  const hash = createHash(algorithm)
  return {
    update: (chunk) => {
      hash.update(chunk)
    },
    digest: () => hash.digest('base64'),
  }
}

/** tus: "460 Checksum Mismatch: The checksum does not match the one computed by the server". */
export function checksumMismatch(declared: DeclaredChecksum, actual: string): TusError {
  return tusError(
    'checksum_mismatch',
    `Checksum Mismatch: the ${declared.algorithm} of this PATCH's body is ${actual}, Upload-Checksum says ${declared.expected}; none of its bytes were kept, resend them from the same Upload-Offset`,
  )
}

/**
 * One PATCH body checked against the Upload-Checksum it declared: the body passes through
 * `hashing` while its digest is fed, and `verify` answers 460 once the body ended (tus: "460
 * Checksum Mismatch: The checksum does not match the one computed by the server").
 */
export class BodyChecksum {
  private readonly digest: Digest

  constructor(private readonly declared: DeclaredChecksum) {
    this.digest = createDigest(declared.algorithm)
  }

  /** Passes the PATCH body through while feeding its digest (errors of `src` carry over). */
  hashing(src: Readable): Readable {
    const { digest } = this
    const through = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        digest.update(chunk)
        done(null, chunk)
      },
    })
    pipeline(src, through).catch(() => {})
    return through
  }

  /** Throws 460 when the body's digest is not the one the PATCH declared (call once). */
  verify(): void {
    const actual = this.digest.digest()
    if (actual !== this.declared.expected) throw checksumMismatch(this.declared, actual)
  }
}
