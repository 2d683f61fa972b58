import type { Body, Uppy, UppyFile } from '@uppy/core'
import { type FileHashing, type Sha256Hasher, sha256Hasher } from './sha256-hasher.ts'
import { UploadDigests } from './upload-digests.ts'

/** A PATCH whose body arrives damaged this many times in a row is not sent again. */
export const MAX_CHECKSUM_MISMATCHES = 3

/** What the tile says when the same bytes keep arriving damaged. */
export const DAMAGED_IN_TRANSIT =
  'the bytes kept arriving damaged (the server’s checksum did not match this browser’s ' +
  `${MAX_CHECKSUM_MISMATCHES} times in a row) and none of them were kept; check the connection, then retry`

/** tus: "460 Checksum Mismatch: The checksum does not match the one computed by the server". */
const CHECKSUM_MISMATCH = 460

type Meta = { method: string }

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
 * Integrity from the browser for Uppy's tus uploads, all hashing in a Web Worker while the file
 * uploads (the upload is created at once, nothing is hashed before):
 * - each PATCH carries `Upload-Checksum: crc32 <base64>` of its body (tus checksum extension),
 *   so a body damaged on the way is refused with 460 and sent again;
 * - the last PATCH carries `Repr-Digest: sha-256=:<base64>:` of the whole file (RFC 9530), from
 *   the same reads (a CRC32 proves a body's transfer; the SHA-256 proves the document): the server records it as the upload's declared SHA-256 and checks the
 *   stored bytes against it (a mismatch rejects the document);
 * - the same body refused `MAX_CHECKSUM_MISMATCHES` times fails the file with a clear reason.
 * Returns the options to give @uppy/tus.
 */
export function tusIntegrity<M extends Meta, B extends Body>(
  uppy: Uppy<M, B>,
  { chunkSize, hasher = sha256Hasher }: { chunkSize: number; hasher?: Sha256Hasher },
) {
  const digests = fileDigests(uppy, hasher, chunkSize)
  // The errors given up on: by the time Uppy reports one, it has aborted the request and the
  // response's status reads 0.
  const damaged = new WeakSet<object>()
  sayWhenDamaged(uppy, damaged)
  const mismatches = new Map<string, number>()
  const patchKey = (req: TusRequest) => `${req.getURL()} ${req.getHeader('Upload-Offset')}`

  return {
    /** Adds the PATCH body's `Upload-Checksum`, and the whole file's `Repr-Digest` to the last. */
    async onBeforeRequest(req: TusRequest, file: UppyFile<M, B>): Promise<void> {
      const bytes = bytesOf(file)
      if (req.getMethod() !== 'PATCH' || !bytes) return
      const offset = Number(req.getHeader('Upload-Offset'))
      for (const [name, value] of Object.entries(await digests.headers(bytes, offset))) {
        req.setHeader(name, value)
      }
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
 * The digests of each file being uploaded, from its first PATCH until it succeeds, fails or is
 * removed. A failed digest (the worker stopped, the file could not be read) drops them: the
 * retried PATCH starts them anew.
 */
function fileDigests<M extends Meta, B extends Body>(
  uppy: Uppy<M, B>,
  hasher: Sha256Hasher,
  chunkSize: number,
) {
  const open = new WeakMap<Blob, { digests: UploadDigests; hashing: FileHashing }>()
  const close = (bytes: Blob | undefined) => {
    if (!bytes) return
    open.get(bytes)?.hashing.close()
    open.delete(bytes)
  }
  for (const event of ['upload-success', 'upload-error', 'file-removed'] as const) {
    uppy.on(event, (file: UppyFile<M, B> | undefined) => close(file && bytesOf(file)))
  }
  return {
    async headers(bytes: Blob, offset: number): Promise<Record<string, string>> {
      let forFile = open.get(bytes)
      if (!forFile) {
        const hashing = hasher.open(bytes)
        forFile = { hashing, digests: new UploadDigests(bytes.size, chunkSize, hashing) }
        open.set(bytes, forFile)
      }
      try {
        return await forFile.digests.headers(offset)
      } catch (err) {
        close(bytes)
        throw err
      }
    },
  }
}
