import type { Body, Uppy, UppyFile } from '@uppy/core'
import { PatchChecksums } from './patch-checksums.ts'
import { type Sha256Hasher, sha256Hasher } from './sha256-hasher.ts'

/** A PATCH whose body arrives damaged this many times in a row is not sent again. */
export const MAX_CHECKSUM_MISMATCHES = 3

/** What the tile says when the same bytes keep arriving damaged. */
export const DAMAGED_IN_TRANSIT =
  'the bytes kept arriving damaged (the server’s SHA-256 did not match this browser’s ' +
  `${MAX_CHECKSUM_MISMATCHES} times in a row) and none of them were kept; check the connection, then retry`

/** How often the tile's hashing progress is updated. */
const PROGRESS_EVERY_MS = 250

/** tus: "460 Checksum Mismatch: The checksum does not match the one computed by the server". */
const CHECKSUM_MISMATCH = 460

type Meta = { sha256?: string; method: string }

/** The parts of tus-js-client's request and error used here. */
interface TusRequest {
  getMethod(): string
  getURL(): string
  getHeader(name: string): string | undefined
  setHeader(name: string, value: string): void
}
interface TusError {
  message: string
  originalRequest?: TusRequest | null
  originalResponse?: { getStatus(): number } | null
}

const statusOf = (err: TusError) => err.originalResponse?.getStatus() ?? 0
/** The file's bytes, when the browser has them (not for a restored file not yet picked again). */
const bytesOf = (file: { data?: unknown }) => (file.data instanceof Blob ? file.data : undefined)

/**
 * Integrity from the browser for Uppy's tus uploads, all hashing in a Web Worker:
 * - before upload, each tus file's whole SHA-256 goes into its `sha256` metadata, which the
 *   server stores and checks against the stored bytes (a mismatch rejects the document);
 * - each PATCH carries `Upload-Checksum: sha256 <base64>` of its body (tus checksum extension),
 *   so a body damaged on the way is refused with 460 and sent again;
 * - the same body refused `MAX_CHECKSUM_MISMATCHES` times fails the file with a clear reason.
 * Returns the options to give @uppy/tus.
 */
export function tusIntegrity<M extends Meta, B extends Body>(
  uppy: Uppy<M, B>,
  { chunkSize, hasher = sha256Hasher }: { chunkSize: number; hasher?: Sha256Hasher },
) {
  const checksums = new WeakMap<Blob, PatchChecksums>()
  const checksumsOf = (bytes: Blob) => {
    let forFile = checksums.get(bytes)
    if (!forFile) {
      forFile = new PatchChecksums(bytes, chunkSize, hasher)
      checksums.set(bytes, forFile)
    }
    return forFile
  }
  declareWholeFileDigests(uppy, hasher, chunkSize, checksumsOf)
  // The errors given up on: by the time Uppy reports one, it has aborted the request and the
  // response's status reads 0.
  const damaged = new WeakSet<object>()
  sayWhenDamaged(uppy, damaged)
  const mismatches = new Map<string, number>()
  const patchKey = (req: TusRequest) => `${req.getURL()} ${req.getHeader('Upload-Offset')}`

  return {
    /** Adds the PATCH body's `Upload-Checksum`. */
    async onBeforeRequest(req: TusRequest, file: UppyFile<M, B>): Promise<void> {
      const bytes = bytesOf(file)
      if (req.getMethod() !== 'PATCH' || !bytes) return
      const offset = Number(req.getHeader('Upload-Offset'))
      req.setHeader('Upload-Checksum', await checksumsOf(bytes).header(offset))
    },
    /** False once the same PATCH was refused as damaged too often (else: ask `next`). */
    shouldRetry<E extends TusError>(err: E, next: (err: E) => boolean): boolean {
      if (statusOf(err) !== CHECKSUM_MISMATCH || !err.originalRequest) return next(err)
      const key = patchKey(err.originalRequest)
      const seen = (mismatches.get(key) ?? 0) + 1
      if (seen < MAX_CHECKSUM_MISMATCHES) {
        mismatches.set(key, seen)
        return next(err)
      }
      // Given up: a Retry by the user starts counting again.
      mismatches.delete(key)
      damaged.add(err)
      return false
    },
  }
}

/** A file failed by 460s: its tile says so in words (Uppy's handler set tus's raw message). */
function sayWhenDamaged<M extends Meta, B extends Body>(
  uppy: Uppy<M, B>,
  damaged: WeakSet<object>,
) {
  uppy.on('upload-error', (file, err) => {
    if (file && err && damaged.has(err)) {
      uppy.setFileState(file.id, { error: DAMAGED_IN_TRANSIT })
    }
  })
}

/**
 * A preprocessor: each tus file without a `sha256` yet is hashed whole before its upload is
 * created (tus metadata is sent only then); the same read gives every PATCH body's digest. A
 * restored upload keeps the digest in its meta.
 */
function declareWholeFileDigests<M extends Meta, B extends Body>(
  uppy: Uppy<M, B>,
  hasher: Sha256Hasher,
  chunkSize: number,
  checksumsOf: (bytes: Blob) => PatchChecksums,
) {
  uppy.addPreProcessor(async (fileIDs) => {
    for (const id of fileIDs) {
      const file = uppy.getFile(id)
      const bytes = bytesOf(file)
      if (file.meta.method !== 'tus' || file.meta.sha256 || !bytes) continue
      let shownAt = 0
      const progress = (hashed: number) => {
        // Each update re-renders the Dashboard: a few per second are plenty.
        if (hashed > 0 && hashed < bytes.size && performance.now() - shownAt < PROGRESS_EVERY_MS) {
          return
        }
        shownAt = performance.now()
        uppy.emit('preprocess-progress', uppy.getFile(id), {
          mode: 'determinate',
          message: 'Computing the file’s SHA-256',
          value: bytes.size > 0 ? hashed / bytes.size : 1,
        })
      }
      progress(0)
      const sha256 = await hasher.hash(bytes, {
        onProgress: progress,
        chunkSize,
        onChunk: (start, digest) => checksumsOf(bytes).seed(start, digest),
      })
      uppy.setFileMeta(id, { ...uppy.getFile(id).meta, sha256 })
      uppy.emit('preprocess-complete', uppy.getFile(id))
    }
  })
}
